import soap from 'soap';
import type { SourceDialect } from '../ocpp/protocols.js';
import { faultCodeOf, type FaultSubcode } from '../ocpp/soap-fault.js';
import { decodeComplex, orderLikeWsdl, type DecodedObject } from './codec.js';
import { soapDialect, type SoapDialect } from './dialects.js';
import { newMessageId, readEnvelope } from './envelope.js';
import { LegacyCallError } from './legacy-call-error.js';
import { NS } from './namespaces.js';
import type { ComplexType, WsdlModel } from './wsdl-model.js';
import { child, escapeXml, parseXml, type XmlElement } from './xml.js';

/** The legacy system a charger's message goes to. */
export interface LegacyAddress {
  identity: string;
  dialect: SourceDialect;
  /** The legacy system's CentralSystemService URL (LEGACY_CS_URL or the charger's legacyUrl). */
  url: string;
}

/** WS-Addressing of the forwarded message: `from` is the gateway's ChargePointService address for this charger. */
export interface LegacyAddressing {
  from: string;
  /** Default: the WS-Addressing anonymous address (the answer comes back on the HTTP exchange). */
  replyTo?: string;
}

/** What went over the wire, for the trace: filled in as far as the call got. */
export interface LegacyCallRecord {
  requestXml?: string;
  responseXml?: string;
  messageId?: string;
  httpStatus?: number;
}

export interface LegacyClientOptions {
  /** Largest response accepted, in bytes (default 1 MiB). */
  maxResponseBytes?: number;
}

const WSA_ANONYMOUS_ADDRESS = 'http://www.w3.org/2005/08/addressing/anonymous';
const MAX_CLIENTS = 1_000;
const MAX_REASON = 500;

type SoapMethod = (args: object, options: object) => Promise<[unknown, string]>;

/**
 * Calls CentralSystemService operations on the legacy OCPP 1.5 SOAP central system
 * (docs/architecture.md#migration-routing) with the OCPP-S headers a charger sends
 * (docs/translation.md#soap-wire-rules), except that `wsa:From` / `ReplyTo` name the gateway, so that the legacy
 * system's calls to the charger come to the gateway's relay. Each dialect's WSDL is parsed by node-soap once; each
 * legacy URL gets a light client. Headers are set and the envelope is built synchronously inside one call of the
 * node-soap method, so concurrent calls through one client never mix them. Responses are decoded by the gateway's
 * own WSDL codec, tolerant like the charger client's: SOAP 1.1 or 1.2 envelope, no Header, any RelatesTo.
 */
export class LegacyCentralSystemClient {
  private readonly clients = new Map<string, soap.Client>();
  /** HTTP status per exchange (node-soap resolves a 3xx answer without one): exchange id -> status. */
  private readonly statuses = new Map<string, number>();

  private constructor(
    private readonly wsdls: ReadonlyMap<SourceDialect, soap.WSDL>,
    private readonly maxResponseBytes: number,
  ) {}

  static async create(
    dialects: readonly SourceDialect[],
    options: LegacyClientOptions = {},
  ): Promise<LegacyCentralSystemClient> {
    const wsdls = new Map<SourceDialect, soap.WSDL>();
    for (const id of dialects) {
      const base = await soap.createClientAsync(soapDialect(id).wsdlFiles.centralSystem, { forceSoap12Headers: true });
      wsdls.set(id, base.wsdl);
    }
    return new LegacyCentralSystemClient(wsdls, options.maxResponseBytes ?? 1024 * 1024);
  }

  private clientFor(to: LegacyAddress): soap.Client {
    const key = `${to.dialect}\n${to.url}`;
    let client = this.clients.get(key);
    if (!client) {
      const wsdl = this.wsdls.get(to.dialect);
      if (!wsdl) throw new Error(`the legacy client was not created for dialect ${to.dialect}`);
      if (this.clients.size >= MAX_CLIENTS) this.clients.clear();
      client = new soap.Client(wsdl, to.url, { forceSoap12Headers: true });
      client.on('response', (_body: unknown, response: { status?: number } | undefined, exchangeId: string) => {
        if (response?.status !== undefined) this.statuses.set(exchangeId, response.status);
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** The request headers of OCPP-S section 3, addressed back to the gateway. */
  private setHeaders(
    client: soap.Client,
    to: LegacyAddress,
    dialect: SoapDialect,
    action: string,
    messageId: string,
    addressing: LegacyAddressing,
  ): void {
    const wsa = (name: string, inner: string) => `<wsa:${name} xmlns:wsa="${NS.wsa}">${inner}</wsa:${name}>`;
    const address = (url: string) => `<wsa:Address>${escapeXml(url)}</wsa:Address>`;
    client.clearSoapHeaders();
    client.addSoapHeader(
      `<cs:chargeBoxIdentity xmlns:cs="${dialect.csNamespace}">${escapeXml(to.identity)}</cs:chargeBoxIdentity>`,
    );
    client.addSoapHeader(wsa('Action', escapeXml(action)));
    client.addSoapHeader(wsa('MessageID', messageId));
    client.addSoapHeader(wsa('To', escapeXml(to.url)));
    client.addSoapHeader(wsa('From', address(addressing.from)));
    client.addSoapHeader(wsa('ReplyTo', address(addressing.replyTo ?? WSA_ANONYMOUS_ADDRESS)));
  }

  /**
   * Sends `operation` (the CentralSystemService operation name, as ChargerMessage.action has it) with `request` (the
   * decoded request, as the central-system endpoint produced it) and returns the decoded response. Redirects are never
   * followed. Throws LegacyCallError.
   */
  async call(
    to: LegacyAddress,
    operation: string,
    request: object,
    addressing: LegacyAddressing,
    timeoutMs: number,
    record: LegacyCallRecord = {},
  ): Promise<DecodedObject> {
    const dialect = soapDialect(to.dialect);
    const model = dialect.centralSystem();
    const op = model.operations.get(operation);
    if (!op) throw new Error(`CentralSystemService has no operation ${operation}`);
    const client = this.clientFor(to);
    const messageId = newMessageId();
    record.messageId = messageId;
    this.setHeaders(client, to, dialect, op.inputAction, messageId, addressing);
    const method = (client as unknown as Record<string, SoapMethod>)[`${operation}Async`]!;
    const args = nodeSoapArgs(model, op.requestType, orderLikeWsdl(model, op.requestType, request)) as object;
    const options = {
      timeout: timeoutMs,
      // The socket timeout above is per inactivity; the signal bounds the whole exchange.
      signal: AbortSignal.timeout(timeoutMs),
      maxRedirects: 0,
      maxContentLength: this.maxResponseBytes,
      postProcess: (xml: string) => (record.requestXml = xml),
      exchangeId: messageId,
    };
    const { raw, status } = await this.send(client, method, args, options, timeoutMs, record);
    record.responseXml = raw;
    const body = responseBody(raw, status);
    if (body.name === 'Fault') throw faultError(body, status);
    if (body.name.toLowerCase() !== op.responseElement.toLowerCase()) {
      throw new LegacyCallError(
        'invalid-response',
        `legacy system answered ${operation} with another element than <${op.responseElement}>`,
        undefined,
        status,
        `<${body.name}>`,
      );
    }
    try {
      return decodeComplex(model, model.type(op.responseType) as ComplexType, body, op.responseElement);
    } catch (err) {
      throw new LegacyCallError(
        'invalid-response',
        `legacy system response is not valid OCPP ${dialect.version}`,
        undefined,
        status,
        (err as Error).message,
      );
    }
  }

  /**
   * One HTTP exchange: the raw answer of a 2xx, or a LegacyCallError. node-soap reads the answer with its own parser
   * first; a 2xx answer it cannot read (a Fault, a shape it does not expect) is handed to the gateway's codec all the
   * same, and a 3xx, which node-soap resolves like a success, is an HTTP failure.
   */
  private async send(
    client: soap.Client,
    method: SoapMethod,
    args: object,
    options: { exchangeId: string },
    timeoutMs: number,
    record: LegacyCallRecord,
  ): Promise<{ raw: string; status: number }> {
    try {
      const [, raw] = await method.call(client, args, options);
      const status = this.statuses.get(options.exchangeId) ?? 200;
      if (status >= 300) throw this.failure({ response: { status }, body: raw }, timeoutMs, record);
      return { raw, status };
    } catch (err) {
      if (err instanceof LegacyCallError) throw err;
      const e = err as { body?: unknown; response?: { status?: number } };
      const status = e.response?.status;
      if (status !== undefined && status < 300 && typeof e.body === 'string') return { raw: e.body, status };
      throw this.failure(err, timeoutMs, record);
    } finally {
      record.httpStatus = this.statuses.get(options.exchangeId);
      this.statuses.delete(options.exchangeId);
    }
  }

  /** A failed exchange: a Fault with a 4xx/5xx, an HTTP status without one, a timeout or no connection. */
  private failure(err: unknown, timeoutMs: number, record: LegacyCallRecord): LegacyCallError {
    const e = err as {
      code?: string;
      name?: string;
      message?: string;
      body?: unknown;
      response?: { status?: number; data?: unknown };
    };
    const status = e.response?.status;
    const text =
      typeof e.body === 'string' ? e.body : typeof e.response?.data === 'string' ? e.response.data : undefined;
    if (text !== undefined) record.responseXml = text;
    if (status && text?.trimStart().startsWith('<')) {
      try {
        const body = responseBody(text, status);
        if (body.name === 'Fault') return faultError(body, status);
      } catch {
        // not a SOAP envelope: an HTTP failure like any other
      }
    }
    if (status !== undefined && status < 300)
      return new LegacyCallError(
        'invalid-response',
        `legacy system answered HTTP ${status} without a body`,
        undefined,
        status,
      );
    if (status !== undefined)
      return new LegacyCallError(
        'http',
        `legacy system answered HTTP ${status} without a SOAP Fault`,
        undefined,
        status,
        (text ?? '').trim().slice(0, 200),
      );
    if (
      e.code === 'ECONNABORTED' ||
      e.code === 'ETIMEDOUT' ||
      e.code === 'ERR_CANCELED' ||
      e.name === 'CanceledError' ||
      /timeout/i.test(e.message ?? '')
    ) {
      return new LegacyCallError('timeout', `legacy system did not answer within ${timeoutMs} ms`);
    }
    if (e.code === 'ERR_BAD_RESPONSE' || /maxContentLength/i.test(e.message ?? '')) {
      return new LegacyCallError(
        'invalid-response',
        `legacy system response exceeds ${this.maxResponseBytes} bytes`,
        undefined,
        undefined,
        e.message,
      );
    }
    return new LegacyCallError(
      'unreachable',
      `legacy system unreachable: ${e.code ?? e.message ?? 'unknown error'}`,
      undefined,
      undefined,
      e.message,
    );
  }
}

/** The first Body child of a SOAP 1.2 or SOAP 1.1 envelope. */
function responseBody(raw: string, status: number | undefined): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(raw.replace(/^\uFEFF/, '').trimStart());
  } catch (err) {
    throw new LegacyCallError(
      'invalid-response',
      'legacy system response is not XML',
      undefined,
      status,
      (err as Error).message,
    );
  }
  const envelope = readEnvelope(root);
  if (envelope.kind === 'soap11') {
    const body = child(root, 'Body', NS.soap11)?.children[0];
    if (body) return body;
  }
  if (envelope.kind !== 'soap12' || !envelope.body)
    throw new LegacyCallError(
      'invalid-response',
      'legacy system response is not a SOAP envelope with a body',
      undefined,
      status,
    );
  return envelope.body;
}

const OCPP_SUBCODES = new Set<string>([
  'SecurityError',
  'IdentityMismatch',
  'ProtocolError',
  'InternalError',
  'NotSupported',
]);

/**
 * SOAP 1.2 (Code/Subcode/Reason) or SOAP 1.1 (faultcode/faultstring) Fault -> LegacyCallError. An OCPP-S subcode is
 * kept as it is; any other (or none) becomes the generic subcode of its code (Sender/ProtocolError,
 * Receiver/InternalError), so that the Fault the charger gets is always one OCPP-S defines. The reason is kept, on
 * one line and bounded.
 */
function faultError(fault: XmlElement, httpStatus: number | undefined): LegacyCallError {
  const local = (text: string | undefined) => (text ?? '').trim().replace(/^.*:/, '');
  const code = child(fault, 'Code');
  let codeValue = local(code && child(code, 'Value')?.text);
  let wireSubcode = local(code && child(child(code, 'Subcode') ?? code, 'Value')?.text);
  let reason = child(child(fault, 'Reason') ?? fault, 'Text')?.text ?? '';
  if (!code) {
    codeValue = local(child(fault, 'faultcode')?.text);
    wireSubcode = '';
    reason = child(fault, 'faultstring')?.text ?? '';
  }
  if (wireSubcode === codeValue) wireSubcode = '';
  const sender = codeValue === 'Sender' || codeValue === 'Client';
  const subcode: FaultSubcode = OCPP_SUBCODES.has(wireSubcode)
    ? (wireSubcode as FaultSubcode)
    : sender
      ? 'ProtocolError'
      : 'InternalError';
  const line =
    reason.replace(/\s+/g, ' ').trim().slice(0, MAX_REASON) ||
    `legacy central system refused the message (${codeValue || 'Fault'})`;
  return new LegacyCallError(
    'fault',
    `legacy system answered SOAP Fault ${codeValue}${wireSubcode ? `/${wireSubcode}` : ''}${httpStatus ? ` (HTTP ${httpStatus})` : ''}`,
    { code: faultCodeOf(subcode), subcode, reason: line },
    httpStatus,
    line,
    wireSubcode || undefined,
  );
}

/**
 * node-soap's shape of a decoded value: a simpleContent element (MeterValue.value: text and unit, measurand, ...
 * attributes) is `{ attributes, $value }` for node-soap, `{ $value, unit, ... }` for the gateway's codec. Key order
 * is kept (it is the WSDL's, from orderLikeWsdl).
 */
function nodeSoapArgs(model: WsdlModel, typeName: string, value: unknown): unknown {
  const type = model.type(typeName);
  if (type.kind === 'simple' || value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  if (type.simpleContent) {
    const attributes: Record<string, unknown> = {};
    for (const a of type.simpleContent.attributes) if (obj[a.name] !== undefined) attributes[a.name] = obj[a.name];
    return Object.keys(attributes).length > 0 ? { attributes, $value: obj.$value } : { $value: obj.$value };
  }
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(obj)) {
    const field = type.fields.find((f) => f.name === name);
    if (!field) continue;
    out[name] = Array.isArray(v)
      ? v.map((item) => nodeSoapArgs(model, field.typeName, item))
      : nodeSoapArgs(model, field.typeName, v);
  }
  return out;
}
