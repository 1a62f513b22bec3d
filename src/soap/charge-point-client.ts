import soap from 'soap';
import { decodeComplex, orderLikeWsdl, type DecodedObject } from './codec.js';
import { newMessageId, readEnvelope } from './envelope.js';
import type { SourceDialect } from '../ocpp/protocols.js';
import type { SoapFault } from '../ocpp/soap-fault.js';
import { soapDialect, type SoapDialect } from './dialects.js';
import { NS } from './namespaces.js';
import type { ComplexType } from './wsdl-model.js';
import { child, escapeXml, parseXml, type XmlElement } from './xml.js';

export type ChargerCallFailure = 'fault' | 'http' | 'timeout' | 'unreachable' | 'invalid-response';

/**
 * A CS->CP SOAP call that did not produce a usable response. `message` names the kind of failure and the HTTP status,
 * and goes to the CSMS; it never carries bytes of the charger's response, which may be anything an attacker at the
 * callback address chose. `detail` has those, for the log only.
 */
export class ChargerCallError extends Error {
  override name = 'ChargerCallError';
  constructor(
    readonly kind: ChargerCallFailure,
    message: string,
    readonly fault?: { code: SoapFault['code']; subcode: string; reason: string },
    readonly httpStatus?: number,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export interface ChargerCallRecord {
  requestXml?: string;
  responseXml?: string;
}

type SoapMethod = (args: object, options: object) => Promise<[unknown, string]>;

/** Where a call goes: the charger, the dialect it speaks, and its callback URL. */
export interface ChargerAddress {
  identity: string;
  dialect: SourceDialect;
  callbackUrl: string;
}

/**
 * Calls ChargePointService operations on chargers (docs/translation.md#soap-wire-rules). Each dialect's WSDL is
 * parsed by node-soap once; each charger gets a light client bound to its callback URL (calls to one charger are
 * serialised by the caller, so the per-client SOAP headers never mix). Responses are decoded by the gateway's own
 * WSDL codec, tolerant of every response shape of docs/charger-quirks.md: no Header, no MessageID, any RelatesTo,
 * faults with 4xx/5xx.
 */
export class ChargePointClient {
  private readonly clients = new Map<string, soap.Client>();

  private constructor(
    private readonly wsdls: ReadonlyMap<SourceDialect, soap.WSDL>,
    private readonly publicUrl: string,
  ) {}

  static async create(publicUrl: string, dialects: readonly SourceDialect[]): Promise<ChargePointClient> {
    const wsdls = new Map<SourceDialect, soap.WSDL>();
    for (const id of dialects) {
      const base = await soap.createClientAsync(soapDialect(id).wsdlFiles.chargePoint, { forceSoap12Headers: true });
      wsdls.set(id, base.wsdl);
    }
    return new ChargePointClient(wsdls, publicUrl);
  }

  private clientFor(to: ChargerAddress): soap.Client {
    const key = `${to.identity}\n${to.dialect}\n${to.callbackUrl}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new soap.Client(this.wsdls.get(to.dialect)!, to.callbackUrl, { forceSoap12Headers: true });
      this.clients.set(key, client);
    }
    return client;
  }

  /** The request headers of OCPP-S section 3 for a call to a charger (docs/translation.md#soap-wire-rules). */
  private setHeaders(client: soap.Client, to: ChargerAddress, dialect: SoapDialect, inputAction: string): void {
    client.clearSoapHeaders();
    client.addSoapHeader(
      `<cp:chargeBoxIdentity xmlns:cp="${dialect.cpNamespace}">${escapeXml(to.identity)}</cp:chargeBoxIdentity>`,
    );
    client.addSoapHeader(`<wsa:Action xmlns:wsa="${NS.wsa}">${inputAction}</wsa:Action>`);
    client.addSoapHeader(`<wsa:MessageID xmlns:wsa="${NS.wsa}">${newMessageId()}</wsa:MessageID>`);
    client.addSoapHeader(`<wsa:To xmlns:wsa="${NS.wsa}">${escapeXml(to.callbackUrl)}</wsa:To>`);
    client.addSoapHeader(
      `<wsa:From xmlns:wsa="${NS.wsa}"><wsa:Address>${escapeXml(this.publicUrl)}</wsa:Address></wsa:From>`,
    );
    client.addSoapHeader(
      `<wsa:ReplyTo xmlns:wsa="${NS.wsa}"><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>`,
    );
  }

  /** Calls `operation` on the charger and returns the decoded response; throws ChargerCallError. */
  async call(
    to: ChargerAddress,
    operation: string,
    request: object,
    timeoutMs: number,
    record: ChargerCallRecord = {},
  ): Promise<DecodedObject> {
    const dialect = soapDialect(to.dialect);
    const model = dialect.chargePoint();
    const op = model.operations.get(operation);
    if (!op) throw new Error(`ChargePointService has no operation ${operation}`);
    const client = this.clientFor(to);
    this.setHeaders(client, to, dialect, op.inputAction);
    const method = (client as unknown as Record<string, SoapMethod>)[`${operation}Async`]!;
    let raw: string;
    try {
      // Strict charger stacks reject anything but WSDL sequence order (docs/charger-quirks.md#q13-element-order).
      // Redirects are never followed: a charger must not send the gateway's requests elsewhere (docs/architecture.md#callback-addresses).
      [, raw] = await method.call(client, orderLikeWsdl(model, op.requestType, request) as object, {
        timeout: timeoutMs,
        maxRedirects: 0,
      });
    } catch (err) {
      record.requestXml = client.lastRequest;
      throw this.failure(err, timeoutMs);
    } finally {
      record.requestXml = client.lastRequest;
    }
    record.responseXml = raw;
    const body = this.responseBody(raw);
    if (body.name === 'Fault') throw faultError(body, 200);
    if (body.name.toLowerCase() !== op.responseElement.toLowerCase()) {
      throw new ChargerCallError(
        'invalid-response',
        `charger answered ${operation} with another element than <${op.responseElement}>`,
        undefined,
        200,
        `<${body.name}>`,
      );
    }
    try {
      return decodeComplex(model, model.type(op.responseType) as ComplexType, body, op.responseElement);
    } catch (err) {
      throw new ChargerCallError(
        'invalid-response',
        `charger response is not valid OCPP ${dialect.version}`,
        undefined,
        200,
        (err as Error).message,
      );
    }
  }

  private responseBody(raw: string): XmlElement {
    let root: XmlElement;
    try {
      root = parseXml(raw);
    } catch (err) {
      throw new ChargerCallError(
        'invalid-response',
        'charger response is not XML',
        undefined,
        undefined,
        (err as Error).message,
      );
    }
    const envelope = readEnvelope(root);
    if (envelope.kind === 'soap11') {
      const body = child(root, 'Body', NS.soap11)?.children[0];
      if (body) return body;
    }
    if (envelope.kind !== 'soap12' || !envelope.body)
      throw new ChargerCallError('invalid-response', 'charger response is not a SOAP envelope with a body');
    return envelope.body;
  }

  private failure(err: unknown, timeoutMs: number): ChargerCallError {
    const e = err as { code?: string; message?: string; body?: unknown; response?: { status?: number } };
    const status = e.response?.status;
    if (typeof e.body === 'string' && e.body.trimStart().startsWith('<')) {
      try {
        const body = this.responseBody(e.body);
        if (body.name === 'Fault') return faultError(body, status);
      } catch (parseError) {
        if (status !== undefined && status < 300) return parseError as ChargerCallError;
      }
    }
    if (status !== undefined && status < 300) {
      const text = typeof e.body === 'string' ? e.body.trim().slice(0, 40) : '';
      return new ChargerCallError(
        'invalid-response',
        `charger response is not XML (HTTP ${status})`,
        undefined,
        status,
        text,
      );
    }
    if (status !== undefined)
      return new ChargerCallError('http', `charger answered HTTP ${status} without a SOAP Fault`, undefined, status);
    if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' || /timeout/i.test(e.message ?? '')) {
      return new ChargerCallError('timeout', `charger did not answer within ${timeoutMs} ms`);
    }
    return new ChargerCallError(
      'unreachable',
      `charger unreachable at its callback URL: ${e.code ?? e.message ?? 'unknown error'}`,
    );
  }
}

/** SOAP 1.2 (Code/Subcode/Reason) or SOAP 1.1 (faultcode/faultstring) fault -> ChargerCallError. */
function faultError(fault: XmlElement, httpStatus: number | undefined): ChargerCallError {
  const local = (text: string | undefined) => (text ?? '').trim().replace(/^.*:/, '');
  const code = child(fault, 'Code');
  let codeValue = local(code && child(code, 'Value')?.text);
  let subcode = local(code && child(child(code, 'Subcode') ?? code, 'Value')?.text);
  let reason = child(child(fault, 'Reason') ?? fault, 'Text')?.text.trim() ?? '';
  if (!code) {
    codeValue = local(child(fault, 'faultcode')?.text);
    subcode = codeValue;
    reason = child(fault, 'faultstring')?.text.trim() ?? '';
  }
  if (subcode === codeValue) subcode = '';
  return new ChargerCallError(
    'fault',
    `charger answered SOAP Fault ${codeValue}${subcode ? `/${subcode}` : ''}${httpStatus ? ` (HTTP ${httpStatus})` : ''}`,
    { code: codeValue === 'Sender' || codeValue === 'Client' ? 'Sender' : 'Receiver', subcode, reason },
    httpStatus,
    reason,
  );
}
