import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { SourceDialect } from '../ocpp/protocols.js';
import { decodeComplex, encodeElement, type DecodedObject } from './codec.js';
import { soapDialect, type SoapDialect } from './dialects.js';
import { newMessageId, readEnvelope } from './envelope.js';
import { ADDRESS_REFUSED, type ExchangeLimits, ExchangeError, postExchange } from './http-exchange.js';
import { NS } from './namespaces.js';
import { SoapCallError, faultError, type SoapPeer } from './soap-call-error.js';
import type { ComplexType, Operation, WsdlModel } from './wsdl-model.js';
import { child, escapeXml, parseXml, type XmlElement } from './xml.js';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** Where a call goes: the charger whose identity goes in the header, the dialect spoken, the service's URL. */
export interface SoapTarget {
  identity: string;
  dialect: SourceDialect;
  url: string;
}

/** What went over the wire, for the trace: filled in as far as the call got. */
export interface SoapCallRecord {
  requestXml?: string;
  responseXml?: string;
  messageId?: string;
  httpStatus?: number;
}

export interface SoapCallOptions {
  timeoutMs: number;
  /** wsa:From: the address the peer should call back (the gateway's own service for this charger). */
  from: string;
  /** wsa:ReplyTo; default the WS-Addressing anonymous address (the answer comes on the same HTTP exchange). */
  replyTo?: string;
  record?: SoapCallRecord;
}

/** Which service the client calls: the charger's ChargePointService or a central system's CentralSystemService. */
export interface SoapClientSettings {
  peer: SoapPeer;
  service: 'chargePoint' | 'centralSystem';
  /** Largest answer, on the wire and inflated (bytes), and the largest inflation ratio. */
  maxResponseBytes: number;
  maxInflateRatio: number;
  /**
   * Checks the address a host name resolved to, just before connecting (docs/architecture.md#callback-addresses):
   * the reason to refuse it, or undefined. The connection goes to the address checked, so a name cannot resolve to
   * one address for the check and another for the call.
   */
  addressCheck?(target: SoapTarget, address: string): string | undefined;
}

/** How many times a compressed answer may inflate: SOAP compresses about tenfold, a bomb a thousandfold. */
export const MAX_INFLATE_RATIO = 100;

const WSA_ANONYMOUS_ADDRESS = 'http://www.w3.org/2005/08/addressing/anonymous';

/**
 * The one SOAP client of the gateway (docs/translation.md#soap-wire-rules): CSMS commands to chargers and charger
 * messages to the legacy central system alike. The request is encoded from the dialect's WSDL in sequence order
 * (strict charger stacks need it: docs/charger-quirks.md#q13-element-order) with the OCPP-S headers; the answer is
 * read within bounds (size before and after inflation, time) and parsed by the gateway's own linear XML parser,
 * tolerant of every answer shape of docs/charger-quirks.md: SOAP 1.1 or 1.2, no Header, any RelatesTo, a Fault with
 * any HTTP status. Redirects are never followed.
 */
export class SoapClient {
  constructor(private readonly settings: SoapClientSettings) {}

  /** The client that calls chargers: answers bounded like requests (MAX_BODY_BYTES), addresses checked when connecting. */
  static forChargers(maxBytes: number, addressCheck: SoapClientSettings['addressCheck']): SoapClient {
    return new SoapClient({
      peer: 'charger',
      service: 'chargePoint',
      maxResponseBytes: maxBytes,
      maxInflateRatio: MAX_INFLATE_RATIO,
      addressCheck,
    });
  }

  /** A DNS lookup that refuses the addresses addressCheck refuses, and connects to the one it accepted. */
  private lookupFor(to: SoapTarget): LookupFunction | undefined {
    const check = this.settings.addressCheck;
    if (!check) return undefined;
    return ((hostname: string, options: LookupAllOptions, callback: LookupCallback) => {
      dnsLookup(hostname, { family: options.family, hints: options.hints, all: true }, (err, addresses) => {
        if (err) return callback(err, '', 0);
        for (const { address } of addresses) {
          const refusal = check(to, address);
          if (!refusal) continue;
          const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${address}: ${refusal}`);
          refused.code = ADDRESS_REFUSED;
          return callback(refused, '', 0);
        }
        // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily), else for one.
        if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      });
    }) as LookupFunction;
  }

  private model(dialect: SoapDialect): WsdlModel {
    return this.settings.service === 'chargePoint' ? dialect.chargePoint() : dialect.centralSystem();
  }

  /** Calls `operation` with `request` (decoded shape) and returns the decoded answer; throws SoapCallError. */
  async call(to: SoapTarget, operation: string, request: object, options: SoapCallOptions): Promise<DecodedObject> {
    const dialect = soapDialect(to.dialect);
    const model = this.model(dialect);
    const op = model.operations.get(operation);
    if (!op) throw new Error(`${model.serviceName} has no operation ${operation}`);
    const record = options.record ?? {};
    const messageId = newMessageId();
    record.messageId = messageId;
    record.requestXml = this.envelope(to, dialect, model, op, request, messageId, options);
    const limits: ExchangeLimits = {
      maxBytes: this.settings.maxResponseBytes,
      maxInflateRatio: this.settings.maxInflateRatio,
      timeoutMs: options.timeoutMs,
    };
    let status: number;
    let raw: string;
    try {
      ({ status, body: raw } = await postExchange(
        {
          url: new URL(to.url),
          body: record.requestXml,
          headers: { 'content-type': `application/soap+xml; charset=utf-8; action="${op.inputAction}"` },
          lookup: this.lookupFor(to),
        },
        limits,
      ));
    } catch (err) {
      throw this.exchangeFailure(err, options.timeoutMs);
    }
    record.httpStatus = status;
    record.responseXml = raw;
    return this.answer(dialect, model, op, raw, status);
  }

  private envelope(
    to: SoapTarget,
    dialect: SoapDialect,
    model: WsdlModel,
    op: Operation,
    request: object,
    messageId: string,
    options: SoapCallOptions,
  ): string {
    // The prefixes node-soap-built stacks send (soap, wsa), since some peers hard-code them
    // (docs/charger-quirks.md#q8-many-serializers-and-prefixes); the service's own prefix is cp or cs, as its WSDL names it.
    const own = this.settings.service === 'chargePoint' ? 'cp' : 'cs';
    const namespace = this.settings.service === 'chargePoint' ? dialect.cpNamespace : dialect.csNamespace;
    const address = (url: string) => `<wsa:Address>${escapeXml(url)}</wsa:Address>`;
    const header =
      `<${own}:chargeBoxIdentity>${escapeXml(to.identity)}</${own}:chargeBoxIdentity>` +
      `<wsa:Action soap:mustUnderstand="true">${escapeXml(op.inputAction)}</wsa:Action>` +
      `<wsa:MessageID>${messageId}</wsa:MessageID><wsa:To>${escapeXml(to.url)}</wsa:To>` +
      `<wsa:From>${address(options.from)}</wsa:From>` +
      `<wsa:ReplyTo>${address(options.replyTo ?? WSA_ANONYMOUS_ADDRESS)}</wsa:ReplyTo>`;
    return (
      `<?xml version="1.0" encoding="utf-8"?>` +
      `<soap:Envelope xmlns:soap="${NS.soap12}" xmlns:wsa="${NS.wsa}" xmlns:${own}="${namespace}">` +
      `<soap:Header>${header}</soap:Header>` +
      `<soap:Body>${encodeElement(model, op.requestElement, op.requestType, request, own)}</soap:Body></soap:Envelope>`
    );
  }

  /** A 2xx answer decoded; a Fault (with any status) or any other status becomes a SoapCallError. */
  private answer(dialect: SoapDialect, model: WsdlModel, op: Operation, raw: string, status: number): DecodedObject {
    const { peer } = this.settings;
    if (status >= 300) {
      // A Fault comes with 4xx/5xx (OCPP-S); any other answer with such a status says nothing about the message.
      let fault: XmlElement | undefined;
      try {
        fault = this.bodyOf(raw, status);
      } catch {
        fault = undefined;
      }
      if (fault?.name === 'Fault') throw faultError(peer, fault, status);
      throw new SoapCallError(peer, 'http', `${peer} answered HTTP ${status} without a SOAP Fault`, {
        httpStatus: status,
        detail: raw.trim().slice(0, 200),
      });
    }
    const body = this.bodyOf(raw, status);
    if (body.name === 'Fault') throw faultError(peer, body, status);
    if (body.name.toLowerCase() !== op.responseElement.toLowerCase())
      throw new SoapCallError(
        peer,
        'invalid-response',
        `${peer} answered ${op.name} with another element than <${op.responseElement}>`,
        { httpStatus: status, detail: `<${body.name}>` },
      );
    try {
      return decodeComplex(model, model.type(op.responseType) as ComplexType, body, op.responseElement);
    } catch (err) {
      throw new SoapCallError(peer, 'invalid-response', `${peer} response is not valid OCPP ${dialect.version}`, {
        httpStatus: status,
        detail: (err as Error).message,
      });
    }
  }

  /** The first Body child of a SOAP 1.2 or SOAP 1.1 envelope. */
  private bodyOf(raw: string, status: number): XmlElement {
    const { peer } = this.settings;
    let root: XmlElement;
    try {
      root = parseXml(raw.trimStart());
    } catch (err) {
      throw new SoapCallError(peer, 'invalid-response', `${peer} response is not XML (HTTP ${status})`, {
        httpStatus: status,
        detail: (err as Error).message,
      });
    }
    const envelope = readEnvelope(root);
    if (envelope.kind === 'soap11') {
      const body = child(root, 'Body', NS.soap11)?.children[0];
      if (body) return body;
    }
    if (envelope.kind !== 'soap12' || !envelope.body)
      throw new SoapCallError(peer, 'invalid-response', `${peer} response is not a SOAP envelope with a body`, {
        httpStatus: status,
      });
    return envelope.body;
  }

  private exchangeFailure(err: unknown, timeoutMs: number): SoapCallError {
    const { peer } = this.settings;
    if (!(err instanceof ExchangeError))
      return new SoapCallError(peer, 'unreachable', `${peer} unreachable: ${(err as Error).message}`);
    switch (err.kind) {
      case 'timeout':
        return new SoapCallError(peer, 'timeout', `${peer} did not answer within ${timeoutMs} ms`);
      case 'too-large':
        return new SoapCallError(peer, 'invalid-response', `${peer} response refused: ${err.message}`);
      case 'refused':
        return new SoapCallError(peer, 'refused', `refused by callback policy: ${err.message}`);
      default:
        return new SoapCallError(peer, 'unreachable', `${peer} unreachable: ${err.message}`);
    }
  }
}
