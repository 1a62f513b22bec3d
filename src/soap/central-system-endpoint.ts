import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from '../config/config.js';
import type { SourceDialect } from '../ocpp/protocols.js';
import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';
import type { CallbackSource } from '../state/registry.js';
import type { Logger } from '../util/log.js';
import { Admission, type AdmissionObserver, type SourcePins } from './admission.js';
import { BodyError, readBody } from './body-reader.js';
import { decodeComplex, encodeElement } from './codec.js';
import { ocpp15Soap, ocppVersionOf, type SoapDialect, soapDialectOfVersion } from './dialects.js';
import { servedWsdls, wsdlVersionOf } from './served-wsdls.js';
import {
  asksForWsdl,
  faultEnvelopeXml,
  readRequestEnvelope,
  responseEnvelopeXml,
  SOAP12_CONTENT_TYPE,
} from './envelope.js';
import { httpStatusOfFault, soap11VersionMismatch, SoapFaultError } from './fault.js';
import { CallbackPolicy, type CallbackVerdict, type RefusalRule } from './callback-policy.js';
import type { ComplexType, Operation } from './wsdl-model.js';
import { knockOf, type PendingChargers } from './pending-knock.js';

/** A charger request the endpoint decoded, handed to the bridge. */
export interface ChargerMessage {
  identity: string;
  dialect: SourceDialect;
  /** The operation, as the dialect's WSDL names it. */
  action: string;
  /** The decoded request body (plain object as the WSDL describes it). */
  request: unknown;
  /** When the request arrived: epoch ms and ISO 8601 UTC. */
  arrivedAt: number;
  receivedAt: string;
  soapMessageId?: string;
  remoteAddress?: string;
  /** The callback URL the message offered, if the callback policy accepted it. */
  callback?: { url: string; source: CallbackSource };
}

/** The bridge's answer: a response body, a SOAP Fault, or "retry later" (HTTP 503 without a Fault). */
export type ChargerAnswer = (
  | { kind: 'response'; body: object }
  | { kind: 'fault'; fault: SoapFault }
  | { kind: 'retry'; reason: string }
) & {
  /** The upstream job the message became, to put the SOAP beside its OCPP-J in the trace. */
  jobId?: string;
};

/** Where decoded charger messages go (the bridge's ingress). */
export interface ChargerMessageSink {
  accept(message: ChargerMessage): Promise<ChargerAnswer>;
}

/** One SOAP exchange as the endpoint saw it, for metrics and the message trace. */
export interface SoapExchangeEvent {
  identity?: string;
  jobId?: string;
  action?: string;
  messageId?: string;
  requestXml: string;
  responseXml: string;
  httpStatus: number;
  fault?: SoapFault;
  durationMs: number;
  /** The dialect the exchange was in (a request that could not be read is counted as 1.5). */
  dialect: SourceDialect;
}

export interface EndpointObserver extends AdmissionObserver {
  onSoapExchange?(event: SoapExchangeEvent): void;
  onRejected?(reason: string, status: number): void;
  /** A charger offered a callback URL the policy refused (docs/architecture.md#callback-addresses). */
  onCallbackRefused?(identity: string, rule: RefusalRule): void;
}

/**
 * Logs a given complaint about a given source at most once a minute (docs/charger-quirks.md: "log once per source").
 */
export class OncePerSource {
  private readonly seen = new Map<string, number>();
  shouldLog(key: string, now = Date.now()): boolean {
    const last = this.seen.get(key);
    if (last !== undefined && now - last < 60_000) return false;
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.set(key, now);
    return true;
  }
}

const SOAP_PATH = /^\/centralsystemservice\/?$/i;

/** A MessageID is an opaque id (docs/charger-quirks.md#q10-messageid-in-any-format), not a payload: longer ones are refused. */
const MAX_MESSAGE_ID = 256;

/** What one request is, once read: an answer to give at once, or a decoded charger message. */
type Reading =
  | { kind: 'plain'; status: number; reason: string; headers?: Record<string, string> }
  | { kind: 'soap11' }
  | { kind: 'fault'; fault: SoapFault; meta: ExchangeMeta }
  | { kind: 'message'; message: ChargerMessage; meta: ExchangeMeta; op: Operation; dialect: SoapDialect };

interface ExchangeMeta {
  identity?: string;
  messageId?: string;
  action?: string;
  jobId?: string;
  dialect: SoapDialect;
}

/**
 * POST /CentralSystemService: terminates SOAP chargers (docs/architecture.md#the-flow). It decodes, refuses what it
 * must (bad input, admission), hands the decoded message to the bridge and encodes the answer: a response, a SOAP 1.2
 * Fault with the OCPP-S subcode, or an HTTP status with a one-line reason; never a crash.
 */
export class CentralSystemEndpoint {
  private readonly wsdls: ReadonlyMap<string, string>;
  readonly callbacks: CallbackPolicy;
  private readonly admission: Admission;
  readonly complaints = new OncePerSource();

  constructor(
    private readonly config: GatewayConfig,
    private readonly sink: ChargerMessageSink,
    private readonly logger: Logger,
    private readonly observer: EndpointObserver = {},
    pins?: SourcePins,
    private readonly pending?: PendingChargers,
  ) {
    this.callbacks = new CallbackPolicy(config);
    this.admission = new Admission(config, logger, pins, observer, pending);
    this.wsdls = servedWsdls(config.publicUrl, 'centralSystem');
  }

  /** Whether a path is the SOAP endpoint (case-insensitive, docs/charger-quirks.md#q16-lower-cased-endpoint-path). */
  static matches(path: string): boolean {
    return SOAP_PATH.test(path);
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    if (req.method === 'GET' || req.method === 'HEAD') return this.get(req, res);
    if (req.method !== 'POST') {
      return this.plain(req, res, 405, `This is the OCPP SOAP endpoint: ${req.method} is not allowed, use POST`, {
        Allow: 'POST, GET',
      });
    }
    let xml: string;
    try {
      xml = (await readBody(req, this.config.maxBodyBytes)).toString('utf8');
    } catch (err) {
      const e = err instanceof BodyError ? err : new BodyError(400, 'could not read the request body');
      return this.plain(req, res, e.status, e.message);
    }
    const reading = await this.read(xml, req, started);
    switch (reading.kind) {
      case 'plain':
        return this.plain(req, res, reading.status, reading.reason, reading.headers);
      case 'soap11':
        this.complain(req, 'SOAP 1.1 envelope refused (OCPP over SOAP is SOAP 1.2)');
        res.writeHead(500, { 'Content-Type': 'text/xml; charset=utf-8' }).end(soap11VersionMismatch());
        return;
      case 'fault':
        return this.fault(req, res, reading.fault, xml, started, reading.meta);
    }
    const answer = await this.sink.accept(reading.message);
    const meta = { ...reading.meta, jobId: answer.jobId };
    if (answer.kind === 'response') return this.respond(res, reading.op, answer.body, xml, started, meta);
    if (answer.kind === 'fault') return this.fault(req, res, answer.fault, xml, started, meta);
    return this.retryLater(res, answer.reason, meta);
  };

  private get(req: IncomingMessage, res: ServerResponse): void {
    if (asksForWsdl(req.url)) {
      const version = wsdlVersionOf(req.url) ?? '1.5';
      const wsdl = this.wsdls.get(version);
      if (!wsdl) return this.plain(req, res, 404, `no WSDL for OCPP ${version}: version=1.2, 1.5 (the default) or 1.6`);
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : wsdl);
      return;
    }
    this.plain(
      req,
      res,
      405,
      'This is the OCPP SOAP endpoint (OCPP 1.2, 1.5 and 1.6): POST SOAP 1.2 envelopes here; the WSDL is at ?wsdl (&version=1.2, 1.5 or 1.6)',
      { Allow: 'POST, GET' },
    );
  }

  /** Parses and decodes one request body; everything that is not a well-formed, admitted charger message is refused. */
  private async read(xml: string, req: IncomingMessage, started: number): Promise<Reading> {
    const envelope = readRequestEnvelope(xml);
    if (envelope.kind === 'plain' || envelope.kind === 'soap11') return envelope;
    if (envelope.kind === 'malformed')
      return { kind: 'fault', fault: faultOf('ProtocolError', envelope.reason), meta: { dialect: ocpp15Soap } };
    const { headers, body } = envelope;
    // An oversized MessageID is refused, and never echoed back as RelatesTo.
    const messageId =
      headers.messageId !== undefined && headers.messageId.length <= MAX_MESSAGE_ID ? headers.messageId : undefined;
    const meta: ExchangeMeta = { identity: headers.chargeBoxIdentity, messageId, dialect: ocpp15Soap };
    const fail = (fault: SoapFault, action?: string): Reading => ({ kind: 'fault', fault, meta: { ...meta, action } });
    if (headers.messageId !== undefined && messageId === undefined)
      return fail(faultOf('ProtocolError', `wsa:MessageID longer than ${MAX_MESSAGE_ID} characters`));
    if (headers.chargeBoxIdentity !== undefined && headers.chargeBoxIdentity.length > this.config.maxIdentityLength) {
      return {
        kind: 'fault',
        fault: faultOf(
          'ProtocolError',
          `chargeBoxIdentity longer than ${this.config.maxIdentityLength} characters (MAX_IDENTITY_LENGTH)`,
        ),
        meta: { messageId, dialect: ocpp15Soap },
      };
    }
    if (!body) return fail(faultOf('ProtocolError', 'the SOAP Body is empty'));
    const version = ocppVersionOf(body.ns);
    if (!version)
      return fail(
        faultOf('ProtocolError', `body element ${body.name} is not in an OCPP namespace (found ${body.ns ?? 'none'})`),
      );
    const dialect = soapDialectOfVersion(version);
    meta.dialect = dialect;
    const model = dialect.centralSystem();
    const op = model.operationsByRequestElement.get(body.name.toLowerCase());
    if (!op) return fail(faultOf('NotSupported', `operation ${body.name} is not a CentralSystemService operation`));
    if (!headers.chargeBoxIdentity)
      return fail(faultOf('ProtocolError', 'the chargeBoxIdentity SOAP header is missing or empty'), op.name);
    const identity = headers.chargeBoxIdentity;
    const pinned = this.config.chargers[identity]?.dialect;
    if (pinned && pinned !== dialect.id)
      return fail(
        faultOf(
          'ProtocolError',
          `charger ${identity} is pinned to ${pinned} (chargers.${identity}.dialect); this message is ${dialect.id}`,
        ),
        op.name,
      );
    const admission = await this.admission.check(identity, req);
    if (admission.kind === 'refused') {
      if (admission.unlisted) this.pending?.knocked(knockOf(identity, started, req, dialect.id, op.name, body));
      return fail(admission.fault, op.name);
    }
    if (admission.kind === 'throttled')
      return {
        kind: 'plain',
        status: 429,
        reason: admission.reason,
        headers: { 'Retry-After': String(admission.retryAfterSec) },
      };
    let request: ReturnType<typeof decodeComplex>;
    try {
      request = decodeComplex(model, model.type(op.requestType) as ComplexType, body, op.requestElement);
    } catch (err) {
      if (err instanceof SoapFaultError) return fail(err.toFault(), op.name);
      throw err;
    }
    const verdict = this.callbacks.judge(identity, headers, req.socket.remoteAddress);
    if (verdict.kind === 'refused') this.callbackRefused(identity, verdict, req.socket.remoteAddress);
    const message: ChargerMessage = {
      identity,
      dialect: dialect.id,
      action: op.name,
      request,
      arrivedAt: started,
      receivedAt: new Date(started).toISOString(),
      soapMessageId: headers.messageId,
      remoteAddress: req.socket.remoteAddress,
      callback: verdict.kind === 'accepted' ? { url: verdict.url, source: verdict.source } : undefined,
    };
    return { kind: 'message', message, meta: { ...meta, action: op.name }, op, dialect };
  }

  /** A refused callback address: the charger keeps its previous one; logged once a minute per charger and reason. */
  private callbackRefused(
    identity: string,
    verdict: Extract<CallbackVerdict, { kind: 'refused' }>,
    remoteAddress: string | undefined,
  ): void {
    this.observer.onCallbackRefused?.(identity, verdict.rule);
    if (!this.complaints.shouldLog(`${identity}:callback:${verdict.reason}`)) return;
    this.logger.warn(
      {
        chargeBoxIdentity: identity,
        offered: verdict.url,
        header: verdict.source,
        remoteAddress,
        reason: verdict.reason,
      },
      `callback URL ${verdict.url} refused (${verdict.reason}): the charger keeps its previous one`,
    );
  }

  private respond(
    res: ServerResponse,
    op: Operation,
    body: object,
    requestXml: string,
    started: number,
    meta: ExchangeMeta,
  ): void {
    const bodyXml = encodeElement(meta.dialect.centralSystem(), op.responseElement, op.responseType, body, 'cs');
    const responseXml = responseEnvelopeXml(
      meta.dialect.responseAction(op),
      meta.messageId,
      bodyXml,
      meta.dialect.csNamespace,
    );
    res.writeHead(200, { 'Content-Type': SOAP12_CONTENT_TYPE }).end(responseXml);
    this.observer.onSoapExchange?.({
      ...exchangeOf(meta),
      requestXml,
      responseXml,
      httpStatus: 200,
      durationMs: Date.now() - started,
    });
  }

  private fault(
    req: IncomingMessage,
    res: ServerResponse,
    fault: SoapFault,
    requestXml: string,
    started: number,
    meta: ExchangeMeta,
  ): void {
    const status = httpStatusOfFault(fault);
    const responseXml = faultEnvelopeXml(fault, meta.messageId, meta.dialect.csNamespace);
    res.writeHead(status, { 'Content-Type': SOAP12_CONTENT_TYPE }).end(responseXml);
    const key = `${meta.identity ?? req.socket.remoteAddress}:${fault.subcode}:${meta.action ?? ''}`;
    if (this.complaints.shouldLog(key)) {
      this.logger.warn(
        {
          chargeBoxIdentity: meta.identity,
          messageId: meta.messageId,
          action: meta.action,
          remoteAddress: req.socket.remoteAddress,
          fault: `${fault.code}/${fault.subcode}`,
        },
        `SOAP fault: ${fault.reason}`,
      );
    }
    this.observer.onSoapExchange?.({
      ...exchangeOf(meta),
      requestXml,
      responseXml,
      httpStatus: status,
      fault,
      durationMs: Date.now() - started,
    });
  }

  /**
   * HTTP 503 without a SOAP Fault: a Fault would tell the charger not to resend (OCPP-S section 4), while a 5xx
   * without one leaves it free to retry, which is right when the CSMS could not decide
   * (docs/translation.md#soap-wire-rules).
   */
  private retryLater(res: ServerResponse, reason: string, meta: ExchangeMeta): void {
    const key = `${meta.identity}:retry:${reason}`;
    if (this.complaints.shouldLog(key))
      this.logger.warn(
        { chargeBoxIdentity: meta.identity, messageId: meta.messageId },
        `answered 503, charger should retry: ${reason}`,
      );
    res
      .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '30' })
      .end(`${reason}; retry later\n`);
    this.observer.onRejected?.(reason, 503);
  }

  private plain(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    reason: string,
    headers: Record<string, string> = {},
  ): void {
    this.complain(req, reason);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end(`${reason}\n`);
    this.observer.onRejected?.(reason, status);
  }

  private complain(req: IncomingMessage, reason: string): void {
    const source = req.socket.remoteAddress ?? 'unknown';
    if (this.complaints.shouldLog(`${source}:${reason}`))
      this.logger.warn({ remoteAddress: source, method: req.method, path: req.url }, reason);
  }
}

const exchangeOf = (meta: ExchangeMeta) => ({
  identity: meta.identity,
  messageId: meta.messageId,
  action: meta.action,
  jobId: meta.jobId,
  dialect: meta.dialect.id,
});
