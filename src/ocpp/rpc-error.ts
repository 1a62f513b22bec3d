/**
 * OCPP-J RPC error codes as the gateway names them internally: the OCPP 2.0.1 spellings, which each protocol module
 * turns into its own wire spelling (1.6 writes FormationViolation and OccurenceConstraintViolation; see
 * docs/translation.md#errors).
 */
export type RpcErrorCode =
  | 'NotImplemented'
  | 'NotSupported'
  | 'InternalError'
  | 'ProtocolError'
  | 'SecurityError'
  | 'FormatViolation'
  | 'PropertyConstraintViolation'
  | 'OccurrenceConstraintViolation'
  | 'TypeConstraintViolation'
  | 'GenericError';

/**
 * A CALLERROR received from, or to be sent to, the CSMS. `code` is whatever the CSMS sent when received, and a
 * RpcErrorCode when the gateway raises it.
 */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: string,
    readonly description: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(`${code}: ${description}`);
  }
}
