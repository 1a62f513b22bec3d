import assert from 'node:assert/strict';
import { request } from 'node:http';
import { NS } from '../../src/soap/namespaces.js';
import { child, parseXml, type XmlElement } from '../../src/soap/xml.js';
import { ocpp15Soap } from '../../src/soap/dialects.js';

export interface EnvelopeOptions {
  identity?: string | null;
  action?: string | null;
  messageId?: string | null;
  from?: string;
  replyTo?: string;
  to?: string;
  /** Namespace of the body (and chargeBoxIdentity): default 1.5 Cs. */
  bodyNs?: string;
  mustUnderstand?: boolean;
}

/** A charger request in the gSOAP-like style most captures show; `body` is the inner XML of the Body, using `cs:`. */
export function envelope(body: string, o: EnvelopeOptions = {}): string {
  const ns = o.bodyNs ?? ocpp15Soap.csNamespace;
  const mu = o.mustUnderstand === false ? '' : ' s:mustUnderstand="true"';
  let h = '';
  if (o.identity !== null) h += `<cs:chargeBoxIdentity${mu}>${o.identity ?? 'CP-1'}</cs:chargeBoxIdentity>`;
  if (o.action !== null && o.action !== undefined) h += `<a:Action${mu}>${o.action}</a:Action>`;
  if (o.messageId !== null)
    h += `<a:MessageID>${o.messageId ?? 'urn:uuid:11111111-2222-3333-4444-555555555555'}</a:MessageID>`;
  if (o.from) h += `<a:From><a:Address>${o.from}</a:Address></a:From>`;
  if (o.replyTo) h += `<a:ReplyTo><a:Address>${o.replyTo}</a:Address></a:ReplyTo>`;
  if (o.to) h += `<a:To${mu}>${o.to}</a:To>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}" xmlns:cs="${ns}">` +
    `<s:Header>${h}</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

export interface SoapReply {
  status: number;
  contentType: string;
  text: string;
  /** Parsed envelope, when the answer was XML. */
  root?: XmlElement;
  header?: XmlElement;
  /** First Body child. */
  body?: XmlElement;
}

export async function post(
  url: string,
  xml: string | Buffer,
  headers: Record<string, string> = {},
): Promise<SoapReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/soap+xml; charset=utf-8', ...headers },
    body: xml,
  });
  return soapReply(res.status, res.headers.get('content-type') ?? '', await res.text());
}

/** An HTTP answer of the SOAP endpoint, with its envelope parsed when it is XML. */
export function soapReply(status: number, contentType: string, text: string): SoapReply {
  const reply: SoapReply = { status, contentType, text };
  if (text.trimStart().startsWith('<')) {
    reply.root = parseXml(text);
    reply.header = child(reply.root, 'Header', NS.soap12);
    reply.body = child(reply.root, 'Body', NS.soap12)?.children[0];
  }
  return reply;
}

const headerText = (reply: SoapReply, name: string): string | undefined =>
  reply.header && child(reply.header, name, NS.wsa)?.text;

/** Every SOAP response: SOAP 1.2 envelope, content type, WS-Addressing Action / RelatesTo / fresh MessageID. */
export function assertSoapResponse(
  reply: SoapReply,
  expected: { action: string; relatesTo?: string; status?: number },
): void {
  assert.equal(reply.status, expected.status ?? 200, `HTTP status (body: ${reply.text.slice(0, 300)})`);
  assert.equal(reply.contentType, 'application/soap+xml; charset=utf-8');
  assert.ok(reply.root, 'response is XML');
  assert.equal(reply.root.name, 'Envelope');
  assert.equal(reply.root.ns, NS.soap12, 'SOAP 1.2 envelope namespace');
  assert.equal(headerText(reply, 'Action'), expected.action);
  assert.equal(headerText(reply, 'RelatesTo'), expected.relatesTo, 'RelatesTo');
  const messageId = headerText(reply, 'MessageID');
  assert.match(messageId ?? '', /^urn:uuid:[0-9a-f-]{36}$/, 'fresh MessageID');
  assert.notEqual(messageId, expected.relatesTo);
}

/** The response body element: name, Cs namespace, and its children as name -> text in document order. */
export function responseFields(reply: SoapReply, element: string): [string, string][] {
  assert.ok(reply.body, `response has a body (got ${reply.text.slice(0, 300)})`);
  assert.equal(reply.body.name, element);
  assert.equal(reply.body.ns, ocpp15Soap.csNamespace, 'response body qualified in the Cs namespace');
  return reply.body.children.map((c) => {
    assert.equal(c.ns, ocpp15Soap.csNamespace, `${c.name} qualified in the Cs namespace`);
    return [c.name, c.children.length ? '(complex)' : c.text];
  });
}

export function assertFault(
  reply: SoapReply,
  code: 'Sender' | 'Receiver',
  subcode: string,
  reasonPattern?: RegExp,
): string {
  assert.equal(reply.status, code === 'Sender' ? 400 : 500, `fault HTTP status (body: ${reply.text.slice(0, 300)})`);
  assert.equal(reply.contentType, 'application/soap+xml; charset=utf-8');
  assert.equal(reply.root?.ns, NS.soap12);
  const fault = reply.body;
  assert.equal(fault?.name, 'Fault', `expected a Fault, got ${reply.text.slice(0, 300)}`);
  const codeEl = child(fault!, 'Code', NS.soap12)!;
  assert.equal(child(codeEl, 'Value', NS.soap12)?.text, `s:${code}`);
  const sub = child(child(codeEl, 'Subcode', NS.soap12)!, 'Value', NS.soap12)!;
  assert.equal(sub.text.replace(/^.*:/, ''), subcode);
  const reason = child(child(fault!, 'Reason', NS.soap12)!, 'Text', NS.soap12)?.text ?? '';
  if (reasonPattern) assert.match(reason, reasonPattern);
  assert.equal(headerText(reply, 'Action'), 'http://www.w3.org/2005/08/addressing/soap/fault');
  return reason;
}

/** HTTP 503 without a SOAP Fault: the charger may send the message again (docs/charger-quirks.md#peer-behaviour). */
export function assertRetryLater(reply: SoapReply, reasonPattern?: RegExp): void {
  assert.equal(reply.status, 503, `expected 503, got ${reply.status}: ${reply.text.slice(0, 200)}`);
  assert.match(reply.contentType, /^text\/plain/);
  assert.doesNotMatch(reply.text, /Fault/);
  if (reasonPattern) assert.match(reply.text, reasonPattern);
}

/** A SOAP request sent from a chosen loopback address (127.0.0.0/8 is all this machine's). */
export function postFrom(
  url: string,
  body: string,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<SoapReply & { headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', localAddress, headers: { 'Content-Type': 'application/soap+xml', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({ ...soapReply(res.statusCode ?? 0, res.headers['content-type'] ?? '', text), headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A charger's answer as a SOAP 1.2 envelope with the 1.5 ChargePoint namespace as `cp`, and an optional Header. */
export const chargerAnswer = (body: string, header = '') =>
  `<?xml version="1.0"?><s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}" xmlns:cp="${ocpp15Soap.cpNamespace}">${header}<s:Body>${body}</s:Body></s:Envelope>`;

/**
 * Accepted ResetResponses in the shapes real chargers answer (docs/charger-quirks.md Q1, Q3, Q4, Q8): no Header, no
 * MessageID, an odd RelatesTo, `To` = the central system at `soapUrl`, a default namespace or any prefix.
 */
export const quirkyResetAnswers = (soapUrl: string) => [
  chargerAnswer('<cp:resetResponse><cp:status>Accepted</cp:status></cp:resetResponse>'),
  chargerAnswer(
    '<resetResponse xmlns="urn://Ocpp/Cp/2012/06/"><status>Accepted</status></resetResponse>',
    `<s:Header><a:RelatesTo>not-a-uri 42</a:RelatesTo><a:To>${soapUrl}</a:To></s:Header>`,
  ),
  chargerAnswer(
    '<ns1:resetResponse xmlns:ns1="urn://Ocpp/Cp/2012/06/"><ns1:status>Accepted</ns1:status></ns1:resetResponse>',
    '<s:Header><a:Action>/ResetResponse</a:Action><a:RelatesTo>uuid:abc</a:RelatesTo></s:Header>',
  ),
];
