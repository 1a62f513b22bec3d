import type { RpcErrorCode } from '../ocpp/rpc-error.js';

/**
 * OCPP-J RPC frames (OCPP-J 1.6 section 4, OCPP 2.0.1 Part 4 section 4): the one codec for both directions and
 * versions.
 */

export const CALL = 2;
export const CALLRESULT = 3;
export const CALLERROR = 4;

export type CallFrame = [typeof CALL, string, string, Record<string, unknown>];
export type CallResultFrame = [typeof CALLRESULT, string, Record<string, unknown>];
export type CallErrorFrame = [typeof CALLERROR, string, string, string, Record<string, unknown>];
export type Frame = CallFrame | CallResultFrame | CallErrorFrame;

export const encodeCall = (id: string, action: string, payload: object): string =>
  JSON.stringify([CALL, id, action, payload]);
export const encodeResult = (id: string, payload: object): string => JSON.stringify([CALLRESULT, id, payload]);
/** `code` as the protocol spells it on the wire (CsmsProtocolModule.errorCode). */
export const encodeError = (id: string, code: string, description: string, details: object = {}): string =>
  JSON.stringify([CALLERROR, id, code, description.slice(0, 255), details]);

export type DecodedFrame =
  | { ok: true; frame: Frame }
  | { ok: false; messageId: string; code: RpcErrorCode; description: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses one text message; a malformed one yields the CALLERROR to answer (messageId "-1" when unreadable, J201 4.3).
 */
export function decodeFrame(text: string): DecodedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, messageId: '-1', code: 'FormatViolation', description: 'message is not valid JSON' };
  }
  if (!Array.isArray(value) || typeof value[1] !== 'string') {
    return { ok: false, messageId: '-1', code: 'FormatViolation', description: 'message is not an OCPP-J frame array' };
  }
  const id = value[1];
  switch (value[0]) {
    case CALL:
      if (value.length === 4 && typeof value[2] === 'string' && isObject(value[3]))
        return { ok: true, frame: value as CallFrame };
      break;
    case CALLRESULT:
      if (value.length === 3 && isObject(value[2])) return { ok: true, frame: value as CallResultFrame };
      break;
    case CALLERROR:
      if (value.length >= 4 && typeof value[2] === 'string') {
        return {
          ok: true,
          frame: [CALLERROR, id, value[2], String(value[3] ?? ''), isObject(value[4]) ? value[4] : {}],
        };
      }
      break;
  }
  return {
    ok: false,
    messageId: id,
    code: 'FormatViolation',
    description: 'frame does not have the OCPP-J shape for its type',
  };
}
