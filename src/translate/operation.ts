// biome-ignore-all lint/suspicious/noExplicitAny: the tables of a protocol pair hold operations of every payload type; each operation module narrows them.
import type { ChargerState } from './charger-state.js';
import type { TranslationContext } from './context.js';

/** An OCPP-J CALL the gateway sends on the charger's behalf (synthesised transitions, triggered messages). */
export interface FollowUpCall {
  action: string;
  payload: object;
  /**
   * The charger message it stands for, when the CSMS answer must go through that operation's reducer (a re-sent
   * BootNotification, docs/translation.md#triggermessage).
   */
  source?: { action: string; request: unknown };
}

/** A CALL to send (its action when it is not the operation's usual one), or an answer the gateway gives itself. */
export type Outbound<CallPayload, ChargerResponse> =
  | { kind: 'call'; payload: CallPayload; action?: string }
  | { kind: 'answer'; response: ChargerResponse; reason: string };

export interface Exchange<ChargerRequest, ChargerResponse, CallPayload, CallResult> {
  request: ChargerRequest;
  call: CallPayload;
  result: CallResult;
  response: ChargerResponse;
}

/**
 * Everything about translating one charger-initiated operation for one protocol pair (dialect, CSMS protocol): the
 * charger's request to a CALL, the CALLRESULT back to the charger's response, and what the exchange changes in the
 * charger's state. Pure: state and context in, payloads and new state out. Delivery policy (store-and-forward,
 * overflow, offline answers) is the dialect's and lives in its policy table (source-policy.ts). A CSMS protocol module
 * writes its operations in this shape over the 1.6 model, which translate/compose.ts joins to a dialect's reading.
 */
export interface ChargerInitiatedOperation<
  ChargerRequest = any,
  ChargerResponse = any,
  CallPayload = any,
  CallResult = any,
> {
  /** The operation as the charger names it (the SOAP operation). */
  chargerAction: string;
  /** The CALL action the CSMS receives; the same name from 1.5 to 1.6, a different one for some 2.0.1 operations. */
  csmsAction: string;
  toCall(request: ChargerRequest, state: ChargerState, ctx: TranslationContext): Outbound<CallPayload, ChargerResponse>;
  /** `state` is the charger's state as the CALL was made (an idTagInfo the CSMS gave earlier, for 2.0.1). */
  toResponse(
    result: CallResult,
    request: ChargerRequest,
    ctx: TranslationContext,
    state?: ChargerState,
  ): ChargerResponse;
  /**
   * State the CALL depends on, written before it is sent, under the charger's lock: a number the CSMS must see once
   * per event (the seqNo of a 2.0.1 TransactionEvent, docs/translation-201.md#seqno). Returns the state unchanged when
   * nothing is to be reserved; toCall then reads what was reserved.
   */
  reserve?(state: ChargerState, request: ChargerRequest, ctx: TranslationContext): ChargerState;
  /**
   * The CALL as it goes when the charger was already answered locally (a stored message delivered late): 2.0.1 marks
   * such a TransactionEvent `offline` (docs/translation-201.md#offline-events).
   */
  late?(call: CallPayload): CallPayload;
  /** State after a completed exchange, plus CALLs the gateway owes the CSMS because of it. */
  reduce?(
    state: ChargerState,
    exchange: Exchange<ChargerRequest, ChargerResponse, CallPayload, CallResult>,
    ctx: TranslationContext,
  ): { state: ChargerState; followUps?: FollowUpCall[] };
}
