import { lookup } from 'node:dns/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from '../config/config.js';
import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';
import type { Logger } from '../util/log.js';
import { inAnyCidr, ipBytes, plainAddress, type Cidr } from '../util/net.js';
import { BodyError, readBody } from './body-reader.js';
import { OncePerSource, type SoapExchangeEvent } from './central-system-endpoint.js';
import type { RelayTokens } from './relay-tokens.js';
import { SoapCallError } from './soap-call-error.js';
import { ocpp15Soap } from './dialects.js';
import { asksForWsdl, SOAP12_CONTENT_TYPE } from './envelope.js';
import { httpStatusOfFault, soap11VersionMismatch } from './fault.js';
import {
  identityOfRelayPath,
  isRelayPath,
  readRelayRequest,
  tokenOfRelayPath,
  relayFaultXml,
  relayResponseXml,
  relayWsdl,
  type RelayAnswer,
  type RelayCall,
  type RelayMeta,
} from './relay-codec.js';

export { relayUrlOf, type RelayAnswer, type RelayCall } from './relay-codec.js';

/** Where decoded relay calls go: the bridge, which calls the charger at its callback URL and returns its answer. */
export interface RelaySink {
  relay(call: RelayCall): Promise<RelayAnswer>;
}

/**
 * Whether a caller (its socket's remote address) may use the relay: without an identity, whether it is a legacy
 * system at all; with one, whether it is that charger's own legacy system.
 */
export type RelayCallerCheck = (remoteAddress: string, identity?: string) => Promise<boolean>;

export interface RelayObserver {
  onRelayExchange?(event: SoapExchangeEvent & { remoteAddress: string }): void;
  onCallerRefused?(remoteAddress: string): void;
}

/**
 * The gateway's own ChargePointService (docs/architecture.md#migration-routing). The gateway names it in the
 * `wsa:From` of what it forwards to the legacy central system, so the legacy system's calls to a charger
 * (RemoteStartTransaction, Reset, GetConfiguration, ...) arrive here; they are decoded against the ChargePointService
 * WSDL, handed to the RelaySink, and the charger's answer (or Fault) goes back on the same HTTP exchange. Only callers
 * the injected check allows are served (Sender/SecurityError otherwise). Bad input gets the Fault or HTTP status of
 * docs/translation.md#soap-wire-rules and is logged once per source; nothing crashes.
 */
export class ChargePointRelayEndpoint {
  private readonly wsdl: string;
  readonly complaints = new OncePerSource();

  constructor(
    private readonly config: Pick<GatewayConfig, 'publicUrl' | 'maxBodyBytes' | 'maxIdentityLength'>,
    private readonly sink: RelaySink,
    private readonly allowed: RelayCallerCheck,
    private readonly tokens: RelayTokens,
    private readonly logger: Logger,
    private readonly observer: RelayObserver = {},
  ) {
    this.wsdl = relayWsdl(config.publicUrl);
  }

  /** Whether a path is the relay: /ChargePointService or /ChargePointService/<identity>, any case. */
  static matches(path: string): boolean {
    return isRelayPath(path);
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const source = req.socket.remoteAddress ?? '';
    if (req.method === 'GET' || req.method === 'HEAD') return this.get(req, res);
    if (req.method !== 'POST')
      return this.plain(
        req,
        res,
        405,
        `This is the gateway's ChargePointService relay: ${req.method} is not allowed, use POST`,
        { Allow: 'POST, GET' },
      );
    let xml: string;
    try {
      xml = (await readBody(req, this.config.maxBodyBytes)).toString('utf8');
    } catch (err) {
      const e = err instanceof BodyError ? err : new BodyError(400, 'could not read the request body');
      return this.plain(req, res, e.status, e.message);
    }
    // Who may call is checked before the body is even parsed: nobody else learns anything from the relay.
    if (!(await this.allowed(source).catch(() => false))) return this.refuseCaller(req, res, xml, started);
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const reading = readRelayRequest(xml, identityOfRelayPath(path), this.config.maxIdentityLength);
    switch (reading.kind) {
      case 'plain':
        return this.plain(req, res, reading.status, reading.reason);
      case 'soap11':
        this.complain(req, 'SOAP 1.1 envelope refused (OCPP 1.5 is SOAP 1.2)');
        res.writeHead(500, { 'Content-Type': 'text/xml; charset=utf-8' }).end(soap11VersionMismatch());
        return;
      case 'fault':
        return this.fault(req, res, reading.fault, xml, started, reading.meta);
    }
    const refusal = await this.refusalFor(reading.call.identity, source, path);
    if (refusal) {
      this.complain(req, refusal);
      this.observer.onCallerRefused?.(source);
      return this.fault(req, res, faultOf('SecurityError', refusal), xml, started, reading.meta);
    }
    const answer = await this.relay({ ...reading.call, remoteAddress: source });
    if (answer.kind === 'fault') return this.fault(req, res, answer.fault, xml, started, reading.meta, false);
    const responseXml = relayResponseXml(reading.meta.dialect, reading.op, answer.body, reading.meta.messageId);
    res.writeHead(200, { 'Content-Type': SOAP12_CONTENT_TYPE }).end(responseXml);
    this.exchange(reading.meta, source, xml, responseXml, 200, started);
  };

  /**
   * Why a call for this charger is refused, or undefined: the address must carry the charger's token (only the
   * gateway's own relay address for it has it), and the caller must be the charger's own legacy system.
   */
  private async refusalFor(identity: string, source: string, path: string): Promise<string | undefined> {
    if (!this.tokens.verify(identity, tokenOfRelayPath(path)))
      return `the relay address has no valid token for charger ${identity}: use the address the gateway sent (wsa:From)`;
    if (!(await this.allowed(source, identity).catch(() => false)))
      return `caller ${plainAddress(source)} is not the legacy system of charger ${identity}`;
    return undefined;
  }

  /** The sink's answer; a sink that throws is a gateway error, answered Receiver/InternalError. */
  private async relay(call: RelayCall): Promise<RelayAnswer> {
    try {
      return await this.sink.relay(call);
    } catch (err) {
      this.logger.error(
        { err, chargeBoxIdentity: call.identity, operation: call.operation },
        'unexpected error while relaying a legacy system call',
      );
      return { kind: 'fault', fault: faultOf('InternalError', 'gateway failed to relay the call to the charger') };
    }
  }

  private get(req: IncomingMessage, res: ServerResponse): void {
    if (asksForWsdl(req.url)) {
      res
        .writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' })
        .end(req.method === 'HEAD' ? undefined : this.wsdl);
      return;
    }
    this.plain(
      req,
      res,
      405,
      "This is the gateway's ChargePointService relay: POST SOAP 1.2 envelopes here; the WSDL is at ?wsdl",
      { Allow: 'POST, GET' },
    );
  }

  private refuseCaller(req: IncomingMessage, res: ServerResponse, xml: string, started: number): void {
    const source = req.socket.remoteAddress ?? '';
    this.observer.onCallerRefused?.(source);
    if (this.complaints.shouldLog(`${source}:relay-refused`)) {
      this.logger.warn(
        { remoteAddress: source, path: req.url },
        'ChargePointService relay call refused: the caller is not the legacy central system (LEGACY_CS_NETWORKS)',
      );
    }
    const fault = faultOf('SecurityError', 'this address may not call chargers through the gateway');
    const responseXml = relayFaultXml(ocpp15Soap, fault, undefined);
    res.writeHead(httpStatusOfFault(fault), { 'Content-Type': SOAP12_CONTENT_TYPE }).end(responseXml);
    this.exchange({ dialect: ocpp15Soap }, source, xml, responseXml, httpStatusOfFault(fault), started, fault);
  }

  /** A Fault; those the relay raises itself (bad input) are logged once per source, a charger's are not. */
  private fault(
    req: IncomingMessage,
    res: ServerResponse,
    fault: SoapFault,
    requestXml: string,
    started: number,
    meta: RelayMeta,
    own = true,
  ): void {
    const status = httpStatusOfFault(fault);
    const responseXml = relayFaultXml(meta.dialect, fault, meta.messageId);
    res.writeHead(status, { 'Content-Type': SOAP12_CONTENT_TYPE }).end(responseXml);
    const source = req.socket.remoteAddress ?? '';
    if (own && this.complaints.shouldLog(`${source}:${fault.subcode}:${meta.operation ?? ''}`)) {
      this.logger.warn(
        {
          chargeBoxIdentity: meta.identity,
          messageId: meta.messageId,
          operation: meta.operation,
          remoteAddress: source,
          fault: `${fault.code}/${fault.subcode}`,
        },
        `ChargePointService relay fault: ${fault.reason}`,
      );
    }
    this.exchange(meta, source, requestXml, responseXml, status, started, fault);
  }

  private exchange(
    meta: RelayMeta,
    remoteAddress: string,
    requestXml: string,
    responseXml: string,
    httpStatus: number,
    started: number,
    fault?: SoapFault,
  ): void {
    this.observer.onRelayExchange?.({
      dialect: meta.dialect.id,
      identity: meta.identity,
      action: meta.operation,
      messageId: meta.messageId,
      remoteAddress,
      requestXml,
      responseXml,
      httpStatus,
      fault,
      durationMs: Date.now() - started,
    });
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
  }

  private complain(req: IncomingMessage, reason: string): void {
    const source = req.socket.remoteAddress ?? 'unknown';
    if (this.complaints.shouldLog(`${source}:${reason}`))
      this.logger.warn(
        { remoteAddress: source, method: req.method, path: req.url },
        `ChargePointService relay: ${reason}`,
      );
  }
}

/**
 * The Fault a relayed call answers when calling the charger failed: the charger's own Fault as it is (a subcode that
 * is not OCPP-S becomes its code's generic one), anything else (timeout, unreachable, HTTP error, invalid answer)
 * Receiver/InternalError naming the kind of failure, never bytes of the charger's answer.
 */
export function relayFaultOf(err: unknown): SoapFault {
  if (!(err instanceof SoapCallError))
    return faultOf('InternalError', 'gateway failed to relay the call to the charger');
  if (err.kind === 'fault' && err.fault) return err.fault;
  return faultOf('InternalError', err.message);
}

/**
 * The default caller check: the caller's address is in `networks` (LEGACY_CS_NETWORKS) when they are set, else one
 * of the addresses the legacy URLs' hosts resolve to (looked up at most once a minute per host): every legacy URL
 * without an identity, the charger's own legacy URL with one.
 */
export function legacyCallerCheck(
  networks: readonly Cidr[] | undefined,
  legacyUrls: (identity?: string) => readonly string[],
): RelayCallerCheck {
  const resolved = new Map<string, { at: number; addresses: Promise<string[]> }>();
  const addressesOf = (host: string): Promise<string[]> => {
    if (ipBytes(host)) return Promise.resolve([plainAddress(host)]);
    const cached = resolved.get(host);
    if (cached && Date.now() - cached.at < 60_000) return cached.addresses;
    const addresses = lookup(host, { all: true }).then(
      (list) => list.map((a) => plainAddress(a.address)),
      () => [],
    );
    resolved.set(host, { at: Date.now(), addresses });
    return addresses;
  };
  return async (remoteAddress, identity) => {
    const caller = plainAddress(remoteAddress);
    if (networks) return inAnyCidr(caller, networks);
    for (const url of legacyUrls(identity)) {
      let host: string;
      try {
        host = new URL(url).hostname;
      } catch {
        continue;
      }
      if ((await addressesOf(plainAddress(host))).includes(caller)) return true;
    }
    return false;
  };
}
