import { normaliseHeaders, type SoapHeaders } from './headers.js';
import { NS } from './namespaces.js';
import { newId } from '../util/ids.js';
import { child, escapeXml, parseXml, XmlError, type XmlElement } from './xml.js';

export type EnvelopeReading =
  | { kind: 'soap12'; headers: SoapHeaders; body: XmlElement | undefined }
  | { kind: 'soap11' }
  | { kind: 'not-soap'; reason: string };

/**
 * A request body read as far as the SOAP 1.2 envelope (docs/translation.md#faults-and-http-status): what is empty,
 * not XML or not SOAP gets a plain HTTP 400 with the reason; malformed XML a ProtocolError reason; SOAP 1.1 its own
 * answer. Every request of the SOAP server pipeline (soap-pipeline.ts) starts here.
 */
export type RequestEnvelope =
  | { kind: 'plain'; status: 400; reason: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'soap11' }
  | Extract<EnvelopeReading, { kind: 'soap12' }>;

export function readRequestEnvelope(xml: string): RequestEnvelope {
  const trimmed = xml.replace(/^\uFEFF/, '').trimStart();
  if (trimmed === '') return { kind: 'plain', status: 400, reason: 'empty request body: POST a SOAP 1.2 envelope' };
  if (!trimmed.startsWith('<'))
    return { kind: 'plain', status: 400, reason: 'request body is not XML: POST a SOAP 1.2 envelope' };
  let root: XmlElement;
  try {
    root = parseXml(trimmed);
  } catch (err) {
    return { kind: 'malformed', reason: err instanceof XmlError ? err.message : 'malformed XML' };
  }
  const envelope = readEnvelope(root);
  if (envelope.kind === 'not-soap')
    return { kind: 'plain', status: 400, reason: `not a SOAP message: ${envelope.reason}` };
  return envelope;
}

/** Whether a GET asks for the WSDL (`?wsdl`, any case). */
export function asksForWsdl(url: string | undefined): boolean {
  return [...new URL(url ?? '/', 'http://gateway').searchParams.keys()].some((k) => k.toLowerCase() === 'wsdl');
}

/** Classifies a parsed document and, for SOAP 1.2, returns its normalised headers and first Body child. */
export function readEnvelope(root: XmlElement): EnvelopeReading {
  if (root.name !== 'Envelope')
    return { kind: 'not-soap', reason: `root element is <${root.name}>, not a SOAP Envelope` };
  if (root.ns === NS.soap11) return { kind: 'soap11' };
  if (root.ns !== NS.soap12)
    return { kind: 'not-soap', reason: `Envelope namespace ${root.ns ?? '(none)'} is not SOAP 1.2` };
  const body = child(root, 'Body', NS.soap12);
  return { kind: 'soap12', headers: normaliseHeaders(child(root, 'Header', NS.soap12)), body: body?.children[0] };
}

export const newMessageId = (): string => `urn:uuid:${newId()}`;

/**
 * A SOAP 1.2 answer envelope of either service (OCPP-S 3.4-3.6): Action, a fresh MessageID, RelatesTo
 * when the request had a MessageID. Stable prefixes (docs/charger-quirks.md#q8-many-serializers-and-prefixes: some
 * chargers hard-code the prefixes they expect): `s` for the envelope, `a` for WS-Addressing, `cs` for the dialect's
 * CentralSystemService namespace.
 */
export function responseEnvelopeXml(
  action: string,
  relatesTo: string | undefined,
  bodyXml: string,
  csNamespace: string,
): string {
  let h = `<a:Action s:mustUnderstand="true">${escapeXml(action)}</a:Action><a:MessageID>${newMessageId()}</a:MessageID>`;
  if (relatesTo !== undefined) h += `<a:RelatesTo>${escapeXml(relatesTo)}</a:RelatesTo>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}" xmlns:cs="${csNamespace}">` +
    `<s:Header>${h}</s:Header><s:Body>${bodyXml}</s:Body></s:Envelope>`
  );
}

/** WS-Addressing 1.0 SOAP binding: the Action of a fault message. */
export const WSA_FAULT_ACTION = 'http://www.w3.org/2005/08/addressing/soap/fault';

export const SOAP12_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';
