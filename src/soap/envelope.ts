import { randomUUID } from 'node:crypto';
import { faultXml, type SoapFault } from './fault.js';
import { normaliseHeaders, type SoapHeaders } from './headers.js';
import { NS } from './namespaces.js';
import { child, escapeXml, type XmlElement } from './xml.js';

export type EnvelopeReading =
  | { kind: 'soap12'; headers: SoapHeaders; body: XmlElement | undefined }
  | { kind: 'soap11' }
  | { kind: 'not-soap'; reason: string };

/** Classifies a parsed document and, for SOAP 1.2, returns its normalised headers and first Body child. */
export function readEnvelope(root: XmlElement): EnvelopeReading {
  if (root.name !== 'Envelope') return { kind: 'not-soap', reason: `root element is <${root.name}>, not a SOAP Envelope` };
  if (root.ns === NS.soap11) return { kind: 'soap11' };
  if (root.ns !== NS.soap12) return { kind: 'not-soap', reason: `Envelope namespace ${root.ns ?? '(none)'} is not SOAP 1.2` };
  const body = child(root, 'Body', NS.soap12);
  return { kind: 'soap12', headers: normaliseHeaders(child(root, 'Header', NS.soap12)), body: body?.children[0] };
}

export const newMessageId = (): string => `urn:uuid:${randomUUID()}`;

export interface OutgoingHeaders {
  action: string;
  messageId: string;
  relatesTo?: string;
  to?: string;
  from?: string;
  replyToAnonymous?: boolean;
  /** chargeBoxIdentity, qualified in the service namespace (requests only: never part of an output binding). */
  chargeBoxIdentity?: string;
}

/**
 * A SOAP 1.2 envelope with stable prefixes (quirk Q8: some chargers hard-code the prefixes they expect):
 * `s` for the envelope, `a` for WS-Addressing, `cs`/`cp` for the OCPP service namespace.
 */
export function envelopeXml(serviceNamespace: string, servicePrefix: string, headers: OutgoingHeaders, bodyXml: string): string {
  let h = '';
  if (headers.chargeBoxIdentity !== undefined) {
    h += `<${servicePrefix}:chargeBoxIdentity>${escapeXml(headers.chargeBoxIdentity)}</${servicePrefix}:chargeBoxIdentity>`;
  }
  h += `<a:Action s:mustUnderstand="true">${escapeXml(headers.action)}</a:Action>`;
  h += `<a:MessageID>${escapeXml(headers.messageId)}</a:MessageID>`;
  if (headers.relatesTo !== undefined) h += `<a:RelatesTo>${escapeXml(headers.relatesTo)}</a:RelatesTo>`;
  if (headers.from !== undefined) h += `<a:From><a:Address>${escapeXml(headers.from)}</a:Address></a:From>`;
  if (headers.replyToAnonymous) h += `<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>`;
  if (headers.to !== undefined) h += `<a:To s:mustUnderstand="true">${escapeXml(headers.to)}</a:To>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}" xmlns:${servicePrefix}="${serviceNamespace}">` +
    `<s:Header>${h}</s:Header><s:Body>${bodyXml}</s:Body></s:Envelope>`
  );
}

/** WS-Addressing 1.0 SOAP binding: the Action of a fault message. */
export const WSA_FAULT_ACTION = 'http://www.w3.org/2005/08/addressing/soap/fault';

export function faultEnvelopeXml(fault: SoapFault, serviceNamespace: string, relatesTo: string | undefined): string {
  return envelopeXml(serviceNamespace, 'cs', { action: WSA_FAULT_ACTION, messageId: newMessageId(), relatesTo }, faultXml(fault, serviceNamespace));
}

export const SOAP12_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';
