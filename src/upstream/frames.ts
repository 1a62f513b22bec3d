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

/**
 * A CALL and its CALLRESULT as they crossed the wire, for the message trace: a caller that passes one to
 * `UpstreamConnection.call` gets the JSON the payload went out as and the frame the answer came in, so that the trace
 * keeps those texts instead of serialising the payloads a second time (bench/README.md, "The trace and the
 * per-message metrics"). Each text is kept with the object it stands for, so a reader can tell that it still does.
 */
export interface WireTexts {
  sent?: object;
  sentJson?: string;
  received?: object;
  receivedFrame?: string;
}

/** The same text as `JSON.stringify([CALL, id, action, payload])`; the payload's part also goes to `wire`. */
export function encodeCall(id: string, action: string, payload: object, wire?: WireTexts): string {
  const json = JSON.stringify(payload);
  if (wire) {
    wire.sent = payload;
    wire.sentJson = json;
  }
  return `[${CALL},${JSON.stringify(id)},${JSON.stringify(action)},${json}]`;
}

/** A CALLRESULT's payload, noted in `wire` with the frame it was read from. */
export function received(wire: WireTexts | undefined, payload: Record<string, unknown>, frame: string) {
  if (wire) {
    wire.received = payload;
    wire.receivedFrame = frame;
  }
  return payload;
}
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
