/** OCPP-J RPC frames (OCPP-J 1.6 section 4, map D.1): the one codec for both directions. */

export const CALL = 2;
export const CALLRESULT = 3;
export const CALLERROR = 4;

export type CallFrame = [typeof CALL, string, string, Record<string, unknown>];
export type CallResultFrame = [typeof CALLRESULT, string, Record<string, unknown>];
export type CallErrorFrame = [typeof CALLERROR, string, string, string, Record<string, unknown>];
export type Frame = CallFrame | CallResultFrame | CallErrorFrame;

/** OCPP-J 1.6 Table 7 error codes (1.6 spellings, including OccurenceConstraintViolation). */
export type RpcErrorCode =
  | 'NotImplemented'
  | 'NotSupported'
  | 'InternalError'
  | 'ProtocolError'
  | 'SecurityError'
  | 'FormationViolation'
  | 'PropertyConstraintViolation'
  | 'OccurenceConstraintViolation'
  | 'TypeConstraintViolation'
  | 'GenericError';

/** A CALLERROR received from, or to be sent to, the peer. */
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

export const encodeCall = (id: string, action: string, payload: object): string => JSON.stringify([CALL, id, action, payload]);
export const encodeResult = (id: string, payload: object): string => JSON.stringify([CALLRESULT, id, payload]);
export const encodeError = (id: string, code: RpcErrorCode, description: string, details: object = {}): string =>
  JSON.stringify([CALLERROR, id, code, description.slice(0, 255), details]);

export type DecodedFrame = { ok: true; frame: Frame } | { ok: false; messageId: string; code: RpcErrorCode; description: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one text message; a malformed one yields the CALLERROR to answer (messageId "-1" when unreadable, J201 4.3). */
export function decodeFrame(text: string): DecodedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, messageId: '-1', code: 'FormationViolation', description: 'message is not valid JSON' };
  }
  if (!Array.isArray(value) || typeof value[1] !== 'string') {
    return { ok: false, messageId: '-1', code: 'FormationViolation', description: 'message is not an OCPP-J frame array' };
  }
  const id = value[1];
  switch (value[0]) {
    case CALL:
      if (value.length === 4 && typeof value[2] === 'string' && isObject(value[3])) return { ok: true, frame: value as CallFrame };
      break;
    case CALLRESULT:
      if (value.length === 3 && isObject(value[2])) return { ok: true, frame: value as CallResultFrame };
      break;
    case CALLERROR:
      if (value.length >= 4 && typeof value[2] === 'string') {
        return { ok: true, frame: [CALLERROR, id, value[2], String(value[3] ?? ''), isObject(value[4]) ? value[4] : {}] };
      }
      break;
  }
  return { ok: false, messageId: id, code: 'FormationViolation', description: 'frame does not have the OCPP-J shape for its type' };
}
