import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SourceDialect } from '../ocpp/protocols.js';
import type { SoapFault } from '../ocpp/soap-fault.js';
import type { Logger } from '../util/log.js';
import { BodyError, readBody } from './body-reader.js';
import type { DecodedObject } from './codec.js';
import { asksForWsdl, SOAP12_CONTENT_TYPE } from './envelope.js';
import { httpStatusOfFault, soap11VersionMismatch } from './fault.js';
import type { SoapHeaders } from './headers.js';
import { servedWsdls, wsdlVersionChoice, wsdlVersionList, wsdlVersionOf } from './served-wsdls.js';
import {
  answerXml,
  decodeRequest,
  type ExchangeMeta,
  FALLBACK_DIALECT,
  faultAnswerXml,
  type Identified,
  type RequestHead,
  readRequestHead,
  type ServiceReader,
} from './service-wire.js';
import type { Operation } from './wsdl-model.js';

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

/** One SOAP exchange as a service saw it, for metrics and the message trace. */
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
  /** The dialect the exchange was in (a request that could not be read is counted in the fallback dialect, 1.5). */
  dialect: SourceDialect;
  remoteAddress?: string;
}

export interface SoapServiceObserver {
  onSoapExchange?(event: SoapExchangeEvent): void;
  /** A request answered with a plain HTTP status (bad input, 429, 503), with the reason. */
  onRejected?(reason: string, status: number): void;
}

/** One HTTP request in the pipeline, once its body is read. */
export interface Exchange {
  readonly req: IncomingMessage;
  /** When it arrived, epoch ms. */
  readonly started: number;
  readonly xml: string;
}

/** A decoded request, handed to the service. */
export interface DecodedRequest extends RequestHead {
  request: DecodedObject;
}

/**
 * A service's answer: a response body, a SOAP Fault, "retry later" (HTTP 503 without a Fault), or a plain HTTP status
 * with a reason. A Fault marked `quiet` is not the gateway's own complaint (the service logged it, or it is a
 * charger's Fault passed on) and is not logged again.
 */
export type ServiceAnswer = (
  | { kind: 'response'; body: object }
  | { kind: 'fault'; fault: SoapFault; quiet?: boolean }
  | { kind: 'retry'; reason: string }
  | { kind: 'plain'; status: number; reason: string; headers?: Record<string, string> }
) & {
  /** The upstream job the message became, to put the SOAP beside its OCPP-J in the trace. */
  jobId?: string;
};

/** A request refused before it is dispatched: a Fault or a plain HTTP status. */
export type Refusal = Extract<ServiceAnswer, { kind: 'fault' | 'plain' }>;

/** What a SOAP service says of itself: its WSDL half and its texts. */
export interface ServiceFacts extends ServiceReader {
  /** How it introduces itself in plain answers, e.g. "the OCPP SOAP endpoint". */
  readonly title: string;
  /** What its log lines start with ('' for none). */
  readonly logPrefix: string;
}

/**
 * What makes one SOAP service of the gateway (docs/architecture.md#the-soap-server-pipeline): its facts, the address
 * its served WSDLs give (`soap12:address`), where a request's charger identity comes from, and the steps only it
 * takes. The pipeline does the rest.
 */
export interface SoapService {
  readonly facts: ServiceFacts;
  readonly address: string;
  /** Before the body is parsed: an answer refuses the caller. */
  screen?(exchange: Exchange): Promise<Refusal | undefined>;
  /** The charger a request is for, bounded (`overlongIdentity`), or the Fault for naming it wrongly. */
  identify(headers: SoapHeaders, exchange: Exchange): Identified;
  /** Once the operation is known and before the body is decoded: an answer refuses the request. */
  admit?(head: RequestHead, exchange: Exchange): Promise<Refusal | undefined>;
  dispatch(request: DecodedRequest, exchange: Exchange): Promise<ServiceAnswer>;
}

const ALLOW = { Allow: 'POST, GET' };

/**
 * The one SOAP server pipeline (docs/architecture.md#the-soap-server-pipeline): GET serves the service's WSDLs; a
 * POST is read (body-reader.ts), parsed as far as its operation and bounded (service-wire.ts), screened and admitted
 * by the service, decoded, dispatched to it, and its answer encoded: a response, a SOAP 1.2 Fault with the OCPP-S
 * subcode, or an HTTP status with a one-line reason; never a crash. Bad input is logged once per source.
 */
export class SoapPipeline {
  private readonly wsdls: ReadonlyMap<string, string>;
  private readonly facts: ServiceFacts;
  readonly complaints = new OncePerSource();

  constructor(
    private readonly service: SoapService,
    private readonly maxBodyBytes: number,
    private readonly logger: Logger,
    private readonly observer: SoapServiceObserver = {},
  ) {
    this.facts = service.facts;
    this.wsdls = servedWsdls(service.address, service.facts.half);
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    if (req.method === 'GET' || req.method === 'HEAD') return this.get(req, res);
    if (req.method !== 'POST')
      return this.plain(req, res, 405, `This is ${this.facts.title}: ${req.method} is not allowed, use POST`, ALLOW);
    let xml: string;
    try {
      xml = (await readBody(req, this.maxBodyBytes)).toString('utf8');
    } catch (err) {
      const e = err instanceof BodyError ? err : new BodyError(400, 'could not read the request body');
      return this.plain(req, res, e.status, e.message);
    }
    const exchange: Exchange = { req, started, xml };
    const service = this.service;
    // Who may call is checked before the body is even parsed: nobody refused learns anything from the service.
    const screened = service.screen && (await service.screen(exchange));
    if (screened) return this.refuse(res, exchange, screened, { dialect: FALLBACK_DIALECT });
    const reading = readRequestHead(xml, this.facts, (headers) => service.identify(headers, exchange));
    switch (reading.kind) {
      case 'plain':
        return this.plain(req, res, reading.status, reading.reason);
      case 'soap11':
        this.complain(req, 'SOAP 1.1 envelope refused (OCPP over SOAP is SOAP 1.2)');
        res.writeHead(500, { 'Content-Type': 'text/xml; charset=utf-8' }).end(soap11VersionMismatch());
        return;
      case 'fault':
        return this.fault(res, exchange, reading.fault, reading.meta);
    }
    const { head, meta } = reading;
    const refused = service.admit && (await service.admit(head, exchange));
    if (refused) return this.refuse(res, exchange, refused, meta);
    const decoded = decodeRequest(head);
    if (decoded.fault) return this.fault(res, exchange, decoded.fault, meta);
    // The head is this request's own: completed in place, not copied (docs/architecture.md#design-choices).
    const request = head as DecodedRequest;
    request.request = decoded.request;
    const answer = await service.dispatch(request, exchange);
    return this.answer(res, exchange, answer, meta, head.op);
  };

  private get(req: IncomingMessage, res: ServerResponse): void {
    if (asksForWsdl(req.url)) {
      const version = wsdlVersionOf(req.url) ?? FALLBACK_DIALECT.version;
      const wsdl = this.wsdls.get(version);
      if (!wsdl) return this.plain(req, res, 404, `no WSDL for OCPP ${version}: version=${wsdlVersionChoice()}`);
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : wsdl);
      return;
    }
    const help =
      `This is ${this.facts.title} (OCPP ${wsdlVersionList('and')}): POST SOAP 1.2 envelopes here; ` +
      `the WSDL is at ?wsdl (&version=${wsdlVersionList('or')})`;
    this.plain(req, res, 405, help, ALLOW);
  }

  private answer(
    res: ServerResponse,
    exchange: Exchange,
    answer: ServiceAnswer,
    meta: ExchangeMeta,
    op: Operation,
  ): void {
    if (answer.jobId !== undefined) meta.jobId = answer.jobId;
    if (answer.kind === 'response') return this.respond(res, exchange, op, answer.body, meta);
    if (answer.kind === 'retry') return this.retryLater(res, answer.reason, meta);
    return this.refuse(res, exchange, answer, meta);
  }

  private refuse(res: ServerResponse, exchange: Exchange, refusal: Refusal, meta: ExchangeMeta): void {
    if (refusal.kind === 'fault') return this.fault(res, exchange, refusal.fault, meta, refusal.quiet);
    this.plain(exchange.req, res, refusal.status, refusal.reason, refusal.headers);
  }

  private respond(res: ServerResponse, exchange: Exchange, op: Operation, body: object, meta: ExchangeMeta): void {
    const responseXml = answerXml(this.facts.half, meta.dialect, op, body, meta.messageId);
    res.writeHead(200, { 'Content-Type': SOAP12_CONTENT_TYPE }).end(responseXml);
    this.exchanged(exchange, meta, responseXml, 200);
  }

  /** A Fault; the gateway's own (bad input, refusals) are logged once per charger or source. */
  private fault(res: ServerResponse, exchange: Exchange, fault: SoapFault, meta: ExchangeMeta, quiet = false): void {
    const status = httpStatusOfFault(fault);
    const responseXml = faultAnswerXml(this.facts.half, meta.dialect, fault, meta.messageId);
    res.writeHead(status, { 'Content-Type': SOAP12_CONTENT_TYPE }).end(responseXml);
    const remoteAddress = exchange.req.socket.remoteAddress;
    if (!quiet && this.complaints.shouldLog(`${meta.identity ?? remoteAddress}:${fault.subcode}:${meta.action ?? ''}`))
      this.logger.warn(
        {
          chargeBoxIdentity: meta.identity,
          messageId: meta.messageId,
          action: meta.action,
          remoteAddress,
          fault: `${fault.code}/${fault.subcode}`,
        },
        `${this.facts.logPrefix}SOAP fault: ${fault.reason}`,
      );
    this.exchanged(exchange, meta, responseXml, status, fault);
  }

  private exchanged(
    exchange: Exchange,
    meta: ExchangeMeta,
    responseXml: string,
    httpStatus: number,
    fault?: SoapFault,
  ): void {
    this.observer.onSoapExchange?.({
      identity: meta.identity,
      messageId: meta.messageId,
      action: meta.action,
      jobId: meta.jobId,
      dialect: meta.dialect.id,
      remoteAddress: exchange.req.socket.remoteAddress,
      requestXml: exchange.xml,
      responseXml,
      httpStatus,
      fault,
      durationMs: Date.now() - exchange.started,
    });
  }

  /**
   * HTTP 503 without a SOAP Fault: a Fault would tell the charger not to resend (OCPP-S section 4), while a 5xx
   * without one leaves it free to retry, which is right when the CSMS could not decide
   * (docs/translation.md#soap-wire-rules).
   */
  private retryLater(res: ServerResponse, reason: string, meta: ExchangeMeta): void {
    if (this.complaints.shouldLog(`${meta.identity}:retry:${reason}`))
      this.logger.warn(
        { chargeBoxIdentity: meta.identity, messageId: meta.messageId },
        `${this.facts.logPrefix}answered 503, charger should retry: ${reason}`,
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

  /** A complaint about a request, logged once a minute per source and reason. */
  complain(req: IncomingMessage, reason: string): void {
    const source = req.socket.remoteAddress ?? 'unknown';
    if (this.complaints.shouldLog(`${source}:${reason}`))
      this.logger.warn(
        { remoteAddress: source, method: req.method, path: req.url },
        `${this.facts.logPrefix}${reason}`,
      );
  }
}
