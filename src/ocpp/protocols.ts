import type { RpcErrorCode } from './rpc-error.js';

/**
 * The two ends of every charger's protocol pair through the gateway (docs/architecture.md#versions-travel-with-the-message):
 * the dialect the charger speaks on the SOAP side and the OCPP-J protocol of the CSMS. Both are recorded with the
 * charger's contact and carried by each queued message, so no layer assumes a version.
 */

/** The SOAP dialects of OCPP the gateway translates (docs/architecture.md#the-pivot). */
export const CHARGER_DIALECTS = ['ocpp1.2-soap', 'ocpp1.5-soap', 'ocpp1.6-soap'] as const;
export type SourceDialect = (typeof CHARGER_DIALECTS)[number];

/** The dialects the SOAP endpoint serves (docs/translation.md#soap-dialects): every one the translation covers. */
export const SOURCE_DIALECTS: readonly SourceDialect[] = CHARGER_DIALECTS;

/**
 * OCPP-J protocols towards the CSMS, named as their WebSocket subprotocols (IANA registry, OCPP-J 1.6 section 3.1.2).
 */
export const CSMS_PROTOCOLS = ['ocpp1.6', 'ocpp2.0.1'] as const;
export type CsmsProtocol = (typeof CSMS_PROTOCOLS)[number];

/** A charger's dialect and the CSMS protocol it is bridged to: what picks the translation tables. */
export interface ProtocolPair {
  dialect: SourceDialect;
  csmsProtocol: CsmsProtocol;
}

export type SchemaCheck = { ok: true } | { ok: false; code: RpcErrorCode; message: string };

/** Property names whose every occurrence in a payload's schema is a string enumeration, with the values all allow. */
export type EnumsByName = ReadonlyMap<string, ReadonlySet<string>>;
/**
 * Property names whose every occurrence in a payload's schema is a plain string with a length bound (no format, no
 * pattern), with the smallest of those bounds.
 */
export type BoundsByName = ReadonlyMap<string, number>;
/** What a payload schema says about the strings under each property name (docs/architecture.md#outbound-schema-checks). */
export interface TextRules {
  enums: EnumsByName;
  bounds: BoundsByName;
}

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
  /** The enumerations and length bounds of a payload's schema by property name (schema-check.ts, TextRules). */
  textRulesOf(action: string, kind: 'req' | 'conf'): TextRules;
  /** The wire spelling of an error code in this version's CALLERROR frames. */
  errorCode(code: RpcErrorCode): string;
}

/** The only protocol pair there was before pairs were recorded: messages queued by earlier versions carry none. */
export const FIRST_PROTOCOL_PAIR: ProtocolPair = { dialect: 'ocpp1.5-soap', csmsProtocol: 'ocpp1.6' };

/** FIRST_PROTOCOL_PAIR in the field names queued jobs and the bridge use (`source`, `target`). */
export const FIRST_PATH: { source: SourceDialect; target: CsmsProtocol } = {
  source: FIRST_PROTOCOL_PAIR.dialect,
  target: FIRST_PROTOCOL_PAIR.csmsProtocol,
};
