import type { ChargerState } from '../state/charger-state.js';
import type { TranslationContext } from './common.js';

/** An OCPP-J CALL the gateway sends on its own account (synthesised transitions, map B.9 rule 4). */
export interface FollowUpCall {
  action: string;
  payload: object;
  /** The 1.5 request it stands for, when the CSMS answer must go through that operation's reducer (re-sent boot). */
  request15?: unknown;
}

export type Outbound<Req16, Res15> = { kind: 'call'; payload: Req16 } | { kind: 'answer'; response: Res15; reason: string };

export interface Exchange<Req15, Res15, Req16, Res16> {
  request: Req15;
  call: Req16;
  result: Res16;
  response: Res15;
}

/**
 * Everything about one charger-initiated operation, 1.5 SOAP -> 1.6J and back (map section B). Pure: state and
 * context in, payloads and new state out.
 */
export interface ChargerInitiatedOperation<Req15 = any, Res15 = any, Req16 = any, Res16 = any> {
  /** The action; the same name in the 1.5 WSDL and as the 1.6J CALL action. */
  action: string;
  /** Answered to the charger once durably queued when the CSMS is slow (architecture: "Delivery semantics"). */
  storeAndForward: boolean;
  toCall(request: Req15, state: ChargerState, ctx: TranslationContext): Outbound<Req16, Res15>;
  toResponse(result: Res16, request: Req15, ctx: TranslationContext): Res15;
  /**
   * The answer for the charger when the message is stored for later delivery (store-and-forward operations only):
   * never a CSMS decision, only what the 1.5 response needs without one.
   */
  localResponse?(request: Req15, now: string): Res15;
  /** State after a completed exchange, plus CALLs the gateway owes the CSMS because of it. */
  reduce?(state: ChargerState, exchange: Exchange<Req15, Res15, Req16, Res16>, ctx: TranslationContext): { state: ChargerState; followUps?: FollowUpCall[] };
}
