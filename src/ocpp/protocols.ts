import type { RpcErrorCode } from './rpc-error.js';

/**
 * The two ends of every charger's route through the gateway (docs/architecture.md#versions-travel-with-the-message):
 * the dialect the charger speaks on the SOAP side (the source) and the OCPP-J protocol of the CSMS (the target).
 * Both are recorded with the charger's contact and carried by each queued message, so no layer assumes a version.
 */

/** Charger dialects the gateway terminates. 1.2 and 1.6 SOAP are recognised on the wire but not bridged yet. */
export const SOURCE_DIALECTS = ['ocpp1.5-soap'] as const;
export type SourceDialect = (typeof SOURCE_DIALECTS)[number];

/**
 * OCPP-J protocols towards the CSMS, named as their WebSocket subprotocols (IANA registry, OCPP-J 1.6 section 3.1.2).
 */
export const CSMS_PROTOCOLS = ['ocpp1.6', 'ocpp2.0.1'] as const;
export type CsmsProtocol = (typeof CSMS_PROTOCOLS)[number];

export type SchemaCheck = { ok: true } | { ok: false; code: RpcErrorCode; message: string };

/**
 * What the upstream side needs to know about one OCPP-J version: its subprotocol, the official schemas of its
 * messages, and how it spells the RPC error codes. One module per version (ocpp/v16/protocol.ts, ...).
 */
export interface CsmsProtocolModule {
  readonly id: CsmsProtocol;
  /** Sec-WebSocket-Protocol offered on the handshake; the CSMS must echo it. */
  readonly subprotocol: string;
  /** Validates a payload: kind "req" for a CALL, "conf" for a CALLRESULT. */
  check(action: string, kind: 'req' | 'conf', payload: unknown): SchemaCheck;
  /** The wire spelling of an error code in this version's CALLERROR frames. */
  errorCode(code: RpcErrorCode): string;
}

/** The only route there was before routes were recorded: messages queued by earlier versions carry none. */
export const FIRST_ROUTE: { source: SourceDialect; target: CsmsProtocol } = {
  source: SOURCE_DIALECTS[0],
  target: CSMS_PROTOCOLS[0],
};
