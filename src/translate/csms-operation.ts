import type { ChargerState } from '../state/charger-state.js';
import type { TranslationOptions } from './common.js';

/** Values of the configuration keys the gateway owns for each charger (map C, D.3). */
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
  notes: string[];
}

export type SoapOutbound<Req15, Res16> =
  | { kind: 'soap'; request: Req15 }
  | { kind: 'answer'; result: Res16; effect?: GatewayEffect };

export interface CsmsExchange<Req16, Res16, Req15, Res15> {
  request: Req16;
  soapRequest: Req15;
  soapResponse: Res15;
  result: Res16;
}

/**
 * Everything about one CSMS-initiated operation, 1.6J CALL -> 1.5 SOAP request and 1.5 response -> CALLRESULT
 * (map section C). Pure. `toSoap` may throw RpcError for a CALL the charger cannot be asked.
 */
export interface CsmsInitiatedOperation<Req16 = any, Res16 = any, Req15 = any, Res15 = any> {
  /** The 1.6 action; the 1.5 ChargePointService operation has the same name. */
  action: string;
  toSoap(request: Req16, state: ChargerState, ctx: CsmsCallContext): SoapOutbound<Req15, Res16>;
  fromSoap(response: Res15, request: Req16, ctx: CsmsCallContext): Res16;
  /** What the exchange teaches the gateway (markers for StopTransaction.reason, outstanding uploads). */
  reduce?(state: ChargerState, exchange: CsmsExchange<Req16, Res16, Req15, Res15>, ctx: CsmsCallContext): ChargerState;
}

/** For operations whose request and response are field-for-field the same in 1.5 and 1.6. */
export function sameBothWays<Req, Res>(action: string, extra: Partial<CsmsInitiatedOperation<Req, Res, Req, Res>> = {}): CsmsInitiatedOperation<Req, Res, Req, Res> {
  return {
    action,
    toSoap: (request) => ({ kind: 'soap', request }),
    fromSoap: (response) => response,
    ...extra,
  };
}
