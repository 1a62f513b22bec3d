// biome-ignore-all lint/suspicious/noExplicitAny: the tables of a protocol pair hold operations of every payload type; each operation module narrows them.
import type { ChargerState } from './charger-state.js';
import type { TranslationOptions } from './context.js';
import type { FollowUpCall } from './operation.js';

/**
 * Values of the configuration keys the gateway owns for each charger
 * (docs/translation.md#gateway-owned-configuration-keys).
 */
export interface GatewayKeyValues {
  webSocketPingInterval: number;
  supportedFeatureProfiles: string;
}

/** Side effects of an answer given by the gateway itself, carried out by the bridge (not by translation). */
export type GatewayEffect = { kind: 'authorizationKey'; value: string } | { kind: 'pingInterval'; seconds: number };

export interface CsmsCallContext {
  /** Now, ISO 8601 UTC: translation has no clock of its own. */
  now: string;
  options: TranslationOptions;
  gatewayKeys: GatewayKeyValues;
  /** When the charger was last heard on the SOAP side (TriggerMessage answers Heartbeat only for a live charger). */
  lastSoapContact?: string;
  /** The identity the CSMS knows the charger by (SecurityCtrlr.Identity, docs/translation-201.md#device-model). */
  upstreamIdentity?: string;
  notes: string[];
}

/** The answer to a call the gateway made to the charger on its own, or why there is none. */
export type ChargerReply = { ok: true; response: any } | { ok: false; failure: string };

/**
 * One call to the charger whose answer decides what comes next: an operation that needs several charger calls
 * declares them as steps (docs/translation-201.md#setvariables).
 */
export interface ChargerStep<Next> {
  chargerAction: string;
  request: object;
  /** A failure ends the CSMS call with the CALLERROR that names it; otherwise `next` is told of it. */
  failFast?: boolean;
  next(reply: ChargerReply): Next;
}

/**
 * The gateway's own answer: with the effects the bridge carries out, and the CALLs it sends the CSMS after the
 * CALLRESULT (TriggerMessage: respond before sending, 1.6 section 5.17).
 */
export interface GatewayAnswer<CsmsResult> {
  kind: 'answer';
  result: CsmsResult;
  effect?: GatewayEffect;
  effects?: GatewayEffect[];
  followUps?: FollowUpCall[];
  /**
   * Applied to the charger's state under its lock before the CALLRESULT; the CALLs it returns go after the CALLRESULT
   * with the others (a triggered TransactionEvent takes its seqNo here, docs/translation-201.md#seqno).
   */
  update?(state: ChargerState): { state: ChargerState; followUps?: FollowUpCall[] };
  /** A charger call after the CALLRESULT, whose answer gives the CALLs for the CSMS (docs/translation-201.md#getbasereport). */
  after?: ChargerStep<FollowUpCall[]>;
}

/** A request to send to the charger, the gateway's own answer, or a charger call whose answer decides which. */
export type SoapOutbound<ChargerRequest, CsmsResult> =
  | { kind: 'soap'; request: ChargerRequest }
  | GatewayAnswer<CsmsResult>
  | { kind: 'step'; step: ChargerStep<SoapOutbound<ChargerRequest, CsmsResult>> };

export interface CsmsExchange<CsmsRequest, CsmsResult, ChargerRequest, ChargerResponse> {
  request: CsmsRequest;
  soapRequest: ChargerRequest;
  soapResponse: ChargerResponse;
  result: CsmsResult;
}

/**
 * Everything about one CSMS-initiated operation for one protocol pair (dialect, CSMS protocol): the CALL to the
 * charger's SOAP request, and the charger's response to the CALLRESULT. Pure. A CSMS protocol module writes its
 * operations in this shape over the 1.6 model, which translate/compose.ts turns into a dialect's SOAP.
 */
export interface CsmsInitiatedOperation<
  CsmsRequest = any,
  CsmsResult = any,
  ChargerRequest = any,
  ChargerResponse = any,
> {
  /** The CALL action as the CSMS sends it. */
  csmsAction: string;
  /**
   * The charger's SOAP operation; absent when the gateway answers every such CALL itself (TriggerMessage for 1.2 and
   * 1.5, the 2.0.1 device model, whose steps name the charger calls they make).
   */
  chargerAction?: string;
  toSoap(request: CsmsRequest, state: ChargerState, ctx: CsmsCallContext): SoapOutbound<ChargerRequest, CsmsResult>;
  fromSoap(response: ChargerResponse, request: CsmsRequest, ctx: CsmsCallContext): CsmsResult;
  /** What the exchange teaches the gateway (causes for StopTransaction.reason, outstanding uploads). */
  reduce?(
    state: ChargerState,
    exchange: CsmsExchange<CsmsRequest, CsmsResult, ChargerRequest, ChargerResponse>,
    ctx: CsmsCallContext,
  ): ChargerState;
}

/** For operations whose request and response are field-for-field the same on both sides. */
export function sameBothWays<Req, Res>(
  action: string,
  extra: Partial<CsmsInitiatedOperation<Req, Res, Req, Res>> = {},
): CsmsInitiatedOperation<Req, Res, Req, Res> {
  return {
    csmsAction: action,
    chargerAction: action,
    toSoap: (request) => ({ kind: 'soap', request }),
    fromSoap: (response) => response,
    ...extra,
  };
}
