import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';

/**
 * CSMS CALLERROR on a charger-initiated CALL -> SOAP Fault for the charger
 * (docs/translation.md#callerror-to-soap-fault, 1.6 errata 3.38/3.39).
 * A table, so that review is reading, not tracing.
 */
const FAULT_OF_RPC_ERROR: Readonly<Record<string, SoapFault['subcode']>> = {
  NotImplemented: 'NotSupported',
  NotSupported: 'NotSupported',
  InternalError: 'InternalError',
  GenericError: 'InternalError',
  SecurityError: 'SecurityError',
  ProtocolError: 'ProtocolError',
  FormationViolation: 'ProtocolError',
  FormatViolation: 'ProtocolError',
  PropertyConstraintViolation: 'ProtocolError',
  OccurenceConstraintViolation: 'ProtocolError',
  OccurrenceConstraintViolation: 'ProtocolError',
  TypeConstraintViolation: 'ProtocolError',
};

export function faultOfRpcError(code: string, description: string): SoapFault {
  const subcode = FAULT_OF_RPC_ERROR[code] ?? 'InternalError';
  return faultOf(subcode, `central system answered ${code}${description ? `: ${description}` : ''}`);
}

/**
 * Charger SOAP Fault (code/subcode) -> CALLERROR code for the CSMS (docs/translation.md#csms-to-charger, "Common
 * failure mapping").
 */
const RPC_ERROR_OF_FAULT: Readonly<Record<string, string>> = {
  'Sender/ProtocolError': 'FormationViolation',
  'Sender/SecurityError': 'SecurityError',
  'Sender/IdentityMismatch': 'SecurityError',
  'Receiver/NotSupported': 'NotSupported',
  'Receiver/InternalError': 'InternalError',
};

export function rpcErrorCodeOfFault(code: string, subcode: string): string {
  return RPC_ERROR_OF_FAULT[`${code}/${subcode}`] ?? 'GenericError';
}
