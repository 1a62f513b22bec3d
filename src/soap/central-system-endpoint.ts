import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import type { JobOutcome, UpstreamQueue } from '../queue/upstream-queue.js';
import type { ChargerRegistry } from '../state/registry.js';
import { offlineAuthorization } from '../bridge/offline-authorize.js';
import { overflowDecision } from '../queue/overflow.js';
import { admissionFault } from './admission.js';
import { BodyError, readBody } from './body-reader.js';
import { decodeComplex } from './codec.js';
import { encodeElement } from './codec.js';
import { faultEnvelopeXml, readEnvelope, responseEnvelopeXml, SOAP12_CONTENT_TYPE } from './envelope.js';
import { faultOf, httpStatusOfFault, soap11VersionMismatch, SoapFaultError, type SoapFault } from './fault.js';
import { callbackUrlOf } from './headers.js';
import { ocppVersionOf } from './namespaces.js';
import { chargerInitiated15to16 } from '../translate/registry.js';
import { centralSystemService, WSDL_FILES, type ComplexType, type Operation } from './wsdl-model.js';
import { parseXml, XmlError } from './xml.js';
import { newId } from '../util/ids.js';

/** One SOAP exchange as the endpoint saw it, for metrics and the message trace. */
export interface SoapExchangeEvent {
  identity?: string;
  /** The upstream job this request became, to put the SOAP beside its OCPP-J in the trace. */
  jobId?: string;
  action?: string;
  messageId?: string;
  requestXml: string;
  responseXml: string;
  httpStatus: number;
  fault?: SoapFault;
  durationMs: number;
}

export interface EndpointObserver {
  onSoapExchange?(event: SoapExchangeEvent): void;
  onRejected?(reason: string, status: number): void;
  /** A charger over its queue bound (issue 4): what was done with the message. */
  onOverflow?(identity: string, action: string, decision: 'answer-locally' | 'refuse'): void;
}

/** Logs a given complaint about a given source at most once a minute (quirk Q19: "log once per source"). */
class OncePerSource {
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

/**
 * POST /CentralSystemService: terminates OCPP 1.5 SOAP 1.2 chargers. Everything a charger can send is answered:
 * a response, a SOAP 1.2 Fault with the OCPP-S subcode, or an HTTP 4xx with a one-line reason; never a crash.
 */
export class CentralSystemEndpoint {
  private readonly model = centralSystemService();
  private readonly wsdl: string;
  private readonly complaints = new OncePerSource();
  /** Each charger's queued count as its last message here found it (see the bound check in `handleOperation`). */
  private readonly lastQueued = new Map<string, number>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly registry: ChargerRegistry,
    private readonly queue: UpstreamQueue,
    private readonly logger: Logger,
    private readonly observer: EndpointObserver = {},
  ) {
    this.wsdl = readFileSync(WSDL_FILES.centralSystem, 'utf8').replace(
      /(<soap12:address\s+location=")[^"]*(")/,
      (_m, open: string, close: string) => `${open}${config.publicUrl}${close}`,
    );
  }

  /** Whether a path is the SOAP endpoint (case-insensitive, quirk Q16). */
  static matches(path: string): boolean {
    return SOAP_PATH.test(path);
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (req.method === 'GET' || req.method === 'HEAD') {
      if ([...url.searchParams.keys()].some((k) => k.toLowerCase() === 'wsdl')) {
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : this.wsdl);
        return;
      }
      this.plain(req, res, 405, 'This is the OCPP 1.5 SOAP endpoint: POST SOAP 1.2 envelopes here; the WSDL is at ?wsdl', { Allow: 'POST, GET' });
      return;
    }
    if (req.method !== 'POST') {
      this.plain(req, res, 405, `This is the OCPP 1.5 SOAP endpoint: ${req.method} is not allowed, use POST`, { Allow: 'POST, GET' });
      return;
    }

    let xml: string;
    try {
      xml = (await readBody(req, this.config.maxBodyBytes)).toString('utf8');
    } catch (err) {
      const e = err instanceof BodyError ? err : new BodyError(400, 'could not read the request body');
      this.plain(req, res, e.status, e.message);
      return;
    }
    const trimmed = xml.replace(/^\uFEFF/, '').trimStart();
    if (trimmed === '') {
      this.plain(req, res, 400, 'empty request body: POST a SOAP 1.2 envelope');
      return;
    }
    if (!trimmed.startsWith('<')) {
      this.plain(req, res, 400, 'request body is not XML: POST a SOAP 1.2 envelope');
      return;
    }

    let root;
    try {
      root = parseXml(trimmed);
    } catch (err) {
      const reason = err instanceof XmlError ? err.message : 'malformed XML';
      this.fault(req, res, faultOf('ProtocolError', reason), undefined, xml, started, {});
      return;
    }
    const envelope = readEnvelope(root);
    if (envelope.kind === 'not-soap') {
      this.plain(req, res, 400, `not a SOAP message: ${envelope.reason}`);
      return;
    }
    if (envelope.kind === 'soap11') {
      this.complain(req, 'SOAP 1.1 envelope refused (OCPP 1.5 is SOAP 1.2)');
      res.writeHead(500, { 'Content-Type': 'text/xml; charset=utf-8' }).end(soap11VersionMismatch());
      return;
    }

    const { headers, body } = envelope;
    const meta: { identity?: string; messageId?: string; jobId?: string } = { identity: headers.chargeBoxIdentity, messageId: headers.messageId };
    const fail = (fault: SoapFault, action?: string) => this.fault(req, res, fault, headers.messageId, xml, started, { ...meta, action });

    if (!body) return fail(faultOf('ProtocolError', 'the SOAP Body is empty'));
    const version = ocppVersionOf(body.ns);
    if (version === '1.2' || version === '1.6') {
      return fail(faultOf('NotSupported', `OCPP ${version} SOAP is not supported yet; this gateway bridges OCPP 1.5 (urn://Ocpp/Cs/2012/06/)`));
    }
    if (version !== '1.5') {
      return fail(faultOf('ProtocolError', `body element ${body.name} is not in an OCPP namespace (found ${body.ns ?? 'none'})`));
    }
    const op = this.model.operationsByRequestElement.get(body.name.toLowerCase());
    if (!op) return fail(faultOf('NotSupported', `operation ${body.name} is not a CentralSystemService operation`));
    if (!headers.chargeBoxIdentity) return fail(faultOf('ProtocolError', 'the chargeBoxIdentity SOAP header is missing or empty'), op.name);
    const identity = headers.chargeBoxIdentity;
    const refused = admissionFault(identity, req.headers.authorization, this.config);
    if (refused) return fail(refused, op.name);

    let request;
    try {
      request = decodeComplex(this.model, this.model.type(op.requestType) as ComplexType, body, op.requestElement);
    } catch (err) {
      if (err instanceof SoapFaultError) return fail(err.toFault(), op.name);
      throw err;
    }

    const receivedAt = new Date(started).toISOString();
    const callback = callbackUrlOf(headers, this.config.chargers[identity]?.callbackUrl);
    const answer = (body: object) => this.respond(res, op, body, headers.messageId, xml, started, { ...meta, action: op.name });
    // The answer that needs no CSMS decision (store-and-forward operations only); false for the others.
    const localResponse = chargerInitiated15to16.get(op.name)?.localResponse;
    const answerLocally = (): boolean => {
      if (!localResponse) return false;
      answer(localResponse(request, new Date().toISOString()));
      return true;
    };
    const arrival = this.registry.arrive(identity, {
      lastSoapContact: receivedAt,
      lastAction: op.name,
      remoteAddress: req.socket.remoteAddress,
      callbackUrl: callback?.url,
      callbackSource: callback?.source,
    });
    // The per-charger bound needs the queued count. Once this instance has seen the charger, the count its previous
    // message found decides (that message has most likely finished, and this one takes its place), so the message
    // does not wait a Redis round trip for the new count (issue 5): the bound guards against a backlog of thousands
    // and may lag one message behind. The first message of a charger here waits for the count.
    const known = this.lastQueued.get(identity);
    const counted = arrival.then(
      (count) => {
        this.lastQueued.set(identity, count);
        return count;
      },
      (err: unknown) => {
        this.logger.error({ err, chargeBoxIdentity: identity }, 'could not record the charger message');
        return undefined;
      },
    );
    const queued = known === undefined ? await counted : known;
    if (queued === undefined) return this.retryLater(res, 'gateway state (Redis) unavailable', meta);
    const overflow = overflowDecision(op.name, queued - 1, this.config.maxQueuedPerCharger);
    if (overflow !== 'queue') {
      void this.registry.addQueued(identity, -1).catch(() => undefined);
      this.observer.onOverflow?.(identity, op.name, overflow);
      if (overflow === 'answer-locally' && answerLocally()) return;
      return this.retryLater(res, `charger ${identity} has ${queued - 1} messages queued (limit ${this.config.maxQueuedPerCharger})`, meta);
    }

    const jobId = newId();
    meta.jobId = jobId;
    if (op.name === 'StatusNotification') {
      // Not awaited: it only lets an older stored status of the connector be skipped as superseded; should it land
      // after that status is replayed, the older one is merely delivered too.
      this.registry.markLatestStatus(identity, (request as { connectorId: number }).connectorId, jobId).catch((err: unknown) => {
        this.logger.warn({ err: (err as Error).message, chargeBoxIdentity: identity }, 'could not mark the newest StatusNotification');
      });
    }
    const outcome: JobOutcome = await this.queue.submit({
      id: jobId,
      identity,
      action: op.name,
      request,
      receivedAt,
      deadline: started + this.config.csmsTimeoutMs,
      soapMessageId: headers.messageId,
    });
    if (outcome.kind === 'retry' && outcome.queued === false) void this.registry.addQueued(identity, -1).catch(() => undefined);
    switch (outcome.kind) {
      case 'response':
        return answer(outcome.body);
      case 'fault':
        return fail(outcome.fault, op.name);
      case 'stored':
        // Durably queued and to be delivered later: the charger gets the answer that needs no CSMS decision.
        if (answerLocally()) return;
        return this.retryLater(res, 'central system unavailable', meta);
      case 'expired': {
        const offline = op.name === 'Authorize' && this.config.offlineAuthorize
          ? await offlineAuthorization(this.registry, identity, (request as { idTag: string }).idTag, this.config.authorizeCacheTtlSec).catch(() => undefined)
          : undefined;
        if (offline) return answer(offline);
        if (outcome.queued && answerLocally()) {
          this.logger.info({ ...meta, chargeBoxIdentity: identity, action: op.name }, 'CSMS slow: message stored for later delivery, answered locally');
          return;
        }
        return this.retryLater(res, `central system did not answer ${op.name} within ${this.config.csmsTimeoutMs} ms`, meta);
      }
      case 'retry':
        return this.retryLater(res, outcome.reason, meta);
    }
  };

  private respond(
    res: ServerResponse,
    op: Operation,
    body: object,
    relatesTo: string | undefined,
    requestXml: string,
    started: number,
    meta: { identity?: string; messageId?: string; action?: string; jobId?: string },
  ): void {
    const bodyXml = encodeElement(this.model, op.responseElement, op.responseType, body, 'cs');
    const responseXml = responseEnvelopeXml(op.outputAction, relatesTo, bodyXml);
    res.writeHead(200, { 'Content-Type': SOAP12_CONTENT_TYPE }).end(responseXml);
    this.observer.onSoapExchange?.({ ...meta, requestXml, responseXml, httpStatus: 200, durationMs: Date.now() - started });
  }

  private fault(
    req: IncomingMessage,
    res: ServerResponse,
    fault: SoapFault,
    relatesTo: string | undefined,
    requestXml: string,
    started: number,
    meta: { identity?: string; messageId?: string; action?: string; jobId?: string },
  ): void {
    const status = httpStatusOfFault(fault);
    const responseXml = faultEnvelopeXml(fault, relatesTo);
    res.writeHead(status, { 'Content-Type': SOAP12_CONTENT_TYPE }).end(responseXml);
    const key = `${meta.identity ?? req.socket.remoteAddress}:${fault.subcode}:${meta.action ?? ''}`;
    if (this.complaints.shouldLog(key)) {
      this.logger.warn(
        { chargeBoxIdentity: meta.identity, messageId: meta.messageId, action: meta.action, remoteAddress: req.socket.remoteAddress, fault: `${fault.code}/${fault.subcode}` },
        `SOAP fault: ${fault.reason}`,
      );
    }
    this.observer.onSoapExchange?.({ ...meta, requestXml, responseXml, httpStatus: status, fault, durationMs: Date.now() - started });
  }

  /**
   * HTTP 503 without a SOAP Fault: a Fault would tell the charger not to resend (OCPP-S section 4), while a 5xx
   * without one leaves it free to retry, which is right when the CSMS could not decide (quirks, "Behaviour of peers").
   */
  private retryLater(res: ServerResponse, reason: string, meta: { identity?: string; messageId?: string }): void {
    const key = `${meta.identity}:retry:${reason}`;
    if (this.complaints.shouldLog(key)) this.logger.warn({ chargeBoxIdentity: meta.identity, messageId: meta.messageId }, `answered 503, charger should retry: ${reason}`);
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '30' }).end(`${reason}; retry later\n`);
    this.observer.onRejected?.(reason, 503);
  }

  private plain(req: IncomingMessage, res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
    this.complain(req, reason);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end(`${reason}\n`);
    this.observer.onRejected?.(reason, status);
  }

  private complain(req: IncomingMessage, reason: string): void {
    const source = req.socket.remoteAddress ?? 'unknown';
    if (this.complaints.shouldLog(`${source}:${reason}`)) this.logger.warn({ remoteAddress: source, method: req.method, path: req.url }, reason);
  }
}
