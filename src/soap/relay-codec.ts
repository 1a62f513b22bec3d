import { readFileSync } from 'node:fs';
import type { SourceDialect } from '../ocpp/protocols.js';
import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';
import { decodeComplex, encodeElement, type DecodedObject } from './codec.js';
import { ocpp15Soap, ocppVersionOf, type SoapDialect, soapDialectOfVersion } from './dialects.js';
import { readRequestEnvelope, responseEnvelopeXml, WSA_FAULT_ACTION } from './envelope.js';
import { faultXml, SoapFaultError } from './fault.js';
import type { ComplexType, Operation } from './wsdl-model.js';

/**
 * The wire side of the gateway's ChargePointService relay (docs/architecture.md#migration-routing): where the legacy
 * central system sends its calls to chargers. Reading a request into a RelayCall, writing the answer, the relay's
 * address and WSDL. No I/O but reading the WSDL file.
 */

/** A call of the legacy central system to a charger, decoded, handed to the RelaySink. */
export interface RelayCall {
  identity: string;
  dialect: SourceDialect;
  /** The ChargePointService operation, as the dialect's WSDL names it (Reset, RemoteStartTransaction, ...). */
  operation: string;
  /** The decoded request body, as the WSDL describes it. */
  request: DecodedObject;
  remoteAddress: string;
  /** The request's wsa:MessageID, if it had one. */
  messageId?: string;
}

/** The charger's answer to relay back: its response body, or a Fault. */
export type RelayAnswer = { kind: 'response'; body: object } | { kind: 'fault'; fault: SoapFault };

/** What one relay request is, once read: an answer to give at once, or a decoded call. */
export type RelayReading =
  | { kind: 'plain'; status: number; reason: string }
  | { kind: 'soap11' }
  | { kind: 'fault'; fault: SoapFault; meta: RelayMeta }
  | { kind: 'call'; call: Omit<RelayCall, 'remoteAddress'>; op: Operation; meta: RelayMeta };

export interface RelayMeta {
  identity?: string;
  messageId?: string;
  operation?: string;
  dialect: SoapDialect;
}

const RELAY_PATH = /^\/chargepointservice(?:\/([^/]+)(?:\/([^/]+))?)?\/?$/i;

/** A MessageID is an opaque id, not a payload: longer ones are refused and never echoed. */
const MAX_MESSAGE_ID = 256;

/** The token segment of a relay path (/ChargePointService/<identity>/<token>), if it has one. */
export function tokenOfRelayPath(path: string): string | undefined {
  return RELAY_PATH.exec(path)?.[2];
}

/** Whether a path is the relay: /ChargePointService, /ChargePointService/<identity>[/<token>], any case. */
export function isRelayPath(path: string): boolean {
  return RELAY_PATH.test(path);
}

/** The identity segment of a relay path, percent-decoded; `null` when it is not valid percent-encoding. */
export function identityOfRelayPath(path: string): string | undefined | null {
  const segment = RELAY_PATH.exec(path)?.[1];
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * The relay's address, from the gateway's public URL: the last path segment `CentralSystemService` becomes
 * `ChargePointService` (a reverse proxy's path prefix is kept); with an identity, `/<identity>` is appended, so that a
 * legacy system that leaves out the chargeBoxIdentity header still names the charger, and then the charger's token
 * (soap/relay-tokens.ts), without which the relay refuses calls for it.
 */
export function relayUrlOf(publicUrl: string, identity?: string, token?: string): string {
  const url = new URL(publicUrl);
  url.search = '';
  url.hash = '';
  url.pathname = /\/centralsystemservice\/?$/i.test(url.pathname)
    ? url.pathname.replace(/\/centralsystemservice\/?$/i, '/ChargePointService')
    : '/ChargePointService';
  const base = url.href;
  if (identity === undefined) return base;
  return `${base}/${encodeURIComponent(identity)}${token === undefined ? '' : `/${token}`}`;
}

/** The ChargePointService WSDL with its soap12:address set to the relay's address. */
export function relayWsdl(publicUrl: string): string {
  const address = relayUrlOf(publicUrl).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return readFileSync(ocpp15Soap.wsdlFiles.chargePoint, 'utf8').replace(
    /(<soap12:address\s+location=")[^"]*(")/,
    (_m, open: string, close: string) => `${open}${address}${close}`,
  );
}

/**
 * Parses and decodes one relay request: SOAP 1.2, the OCPP version from the body namespace (either service half),
 * the operation from the body element against the ChargePointService WSDL, the identity from the chargeBoxIdentity
 * header or the path (both present and different: Sender/IdentityMismatch, OCPP-S section 3.3).
 */
export function readRelayRequest(
  xml: string,
  pathIdentity: string | undefined | null,
  maxIdentityLength: number,
): RelayReading {
  const envelope = readRequestEnvelope(xml);
  if (envelope.kind === 'plain' || envelope.kind === 'soap11') return envelope;
  if (envelope.kind === 'malformed')
    return { kind: 'fault', fault: faultOf('ProtocolError', envelope.reason), meta: { dialect: ocpp15Soap } };
  const { headers, body } = envelope;
  const messageId =
    headers.messageId !== undefined && headers.messageId.length <= MAX_MESSAGE_ID ? headers.messageId : undefined;
  const meta: RelayMeta = { messageId, dialect: ocpp15Soap };
  const fail = (fault: SoapFault): RelayReading => ({ kind: 'fault', fault, meta });
  if (headers.messageId !== undefined && messageId === undefined)
    return fail(faultOf('ProtocolError', `wsa:MessageID longer than ${MAX_MESSAGE_ID} characters`));
  if (pathIdentity === null)
    return fail(faultOf('ProtocolError', 'the charger identity in the path is not valid percent-encoding'));
  const identity = headers.chargeBoxIdentity ?? pathIdentity;
  if (identity !== undefined && identity.length > maxIdentityLength)
    return fail(
      faultOf('ProtocolError', `chargeBoxIdentity longer than ${maxIdentityLength} characters (MAX_IDENTITY_LENGTH)`),
    );
  meta.identity = identity;
  if (
    headers.chargeBoxIdentity !== undefined &&
    pathIdentity !== undefined &&
    headers.chargeBoxIdentity !== pathIdentity
  ) {
    return fail(
      faultOf('IdentityMismatch', 'the chargeBoxIdentity header names another charger than the address it was sent to'),
    );
  }
  if (!body) return fail(faultOf('ProtocolError', 'the SOAP Body is empty'));
  const version = ocppVersionOf(body.ns);
  if (!version)
    return fail(
      faultOf('ProtocolError', `body element ${body.name} is not in an OCPP namespace (found ${body.ns ?? 'none'})`),
    );
  const dialect = soapDialectOfVersion(version);
  meta.dialect = dialect;
  const model = dialect.chargePoint();
  const op = model.operationsByRequestElement.get(body.name.toLowerCase());
  if (!op) return fail(faultOf('NotSupported', `operation ${body.name} is not a ChargePointService operation`));
  meta.operation = op.name;
  if (!identity)
    return fail(
      faultOf('ProtocolError', 'the chargeBoxIdentity SOAP header is missing or empty and the path names no charger'),
    );
  try {
    const request = decodeComplex(model, model.type(op.requestType) as ComplexType, body, op.requestElement);
    return { kind: 'call', call: { identity, dialect: dialect.id, operation: op.name, request, messageId }, op, meta };
  } catch (err) {
    if (err instanceof SoapFaultError) return fail(err.toFault());
    throw err;
  }
}

/**
 * The response envelope (OCPP-S 3.4-3.6): Action the operation's output action, a fresh MessageID, RelatesTo the
 * request's MessageID; the body in WSDL order in the ChargePointService namespace (prefix `cp`).
 */
export function relayResponseXml(
  dialect: SoapDialect,
  op: Operation,
  body: object,
  relatesTo: string | undefined,
): string {
  const bodyXml = encodeElement(dialect.chargePoint(), op.responseElement, op.responseType, body, 'cp');
  const open = `<cp:${op.responseElement}`;
  const qualified = `${open} xmlns:cp="${dialect.cpNamespace}"${bodyXml.slice(open.length)}`;
  return responseEnvelopeXml(op.outputAction, relatesTo, qualified, dialect.csNamespace);
}

/** A SOAP 1.2 Fault with its OCPP-S subcode in the ChargePointService namespace. */
export function relayFaultXml(dialect: SoapDialect, fault: SoapFault, relatesTo: string | undefined): string {
  return responseEnvelopeXml(WSA_FAULT_ACTION, relatesTo, faultXml(fault, dialect.cpNamespace), dialect.csNamespace);
}
