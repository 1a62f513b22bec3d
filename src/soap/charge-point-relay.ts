import { lookup } from 'node:dns/promises';
import type { GatewayConfig } from '../config/config.js';
import type { SourceDialect } from '../ocpp/protocols.js';
import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';
import type { Logger } from '../util/log.js';
import { inAnyCidr, ipBytes, plainAddress, type Cidr } from '../util/net.js';
import type { DecodedObject } from './codec.js';
import type { SoapHeaders } from './headers.js';
import type { RelayTokens } from './relay-tokens.js';
import { SoapCallError } from './soap-call-error.js';
import {
  type DecodedRequest,
  type Exchange,
  type Refusal,
  type ServiceAnswer,
  type ServiceFacts,
  type SoapService,
  type SoapServiceObserver,
  SoapPipeline,
} from './soap-pipeline.js';
import { type Identified, overlongIdentity } from './service-wire.js';

/** A call of the legacy central system to a charger, decoded, handed to the RelaySink. */
export interface RelayCall {
  identity: string;
  dialect: SourceDialect;
  /** The ChargePointService operation, as the dialect's WSDL names it (Reset, RemoteStartTransaction, ...). */
  operation: string;
  /** The decoded request body, as the WSDL describes it. */
  request: DecodedObject;
  remoteAddress: string;
  /** The request's wsa:MessageID, if it had one. */
  messageId?: string;
}

/** The charger's answer to relay back: its response body, or a Fault. */
export type RelayAnswer = { kind: 'response'; body: object } | { kind: 'fault'; fault: SoapFault };

/** Where decoded relay calls go: the bridge, which calls the charger at its callback URL and returns its answer. */
export interface RelaySink {
  relay(call: RelayCall): Promise<RelayAnswer>;
}

/**
 * Whether a caller (its socket's remote address) may use the relay: without an identity, whether it is a legacy
 * system at all; with one, whether it is that charger's own legacy system.
 */
export type RelayCallerCheck = (remoteAddress: string, identity?: string) => Promise<boolean>;

export interface RelayObserver extends SoapServiceObserver {
  onCallerRefused?(remoteAddress: string): void;
}

const RELAY_PATH = /^\/chargepointservice(?:\/([^/]+)(?:\/([^/]+))?)?\/?$/i;

const pathOf = (url: string | undefined): string => (url ?? '/').split('?', 1)[0]!;

/** The token segment of a relay path (/ChargePointService/<identity>/<token>), if it has one. */
export function tokenOfRelayPath(path: string): string | undefined {
  return RELAY_PATH.exec(path)?.[2];
}

/** The identity segment of a relay path, percent-decoded; `null` when it is not valid percent-encoding. */
export function identityOfRelayPath(path: string): string | undefined | null {
  const segment = RELAY_PATH.exec(path)?.[1];
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * The relay's address, from the gateway's public URL: the last path segment `CentralSystemService` becomes
 * `ChargePointService` (a reverse proxy's path prefix is kept); with an identity, `/<identity>` is appended, so that a
 * legacy system that leaves out the chargeBoxIdentity header still names the charger, and then the charger's token
 * (soap/relay-tokens.ts), without which the relay refuses calls for it.
 */
export function relayUrlOf(publicUrl: string, identity?: string, token?: string): string {
  const url = new URL(publicUrl);
  url.search = '';
  url.hash = '';
  url.pathname = /\/centralsystemservice\/?$/i.test(url.pathname)
    ? url.pathname.replace(/\/centralsystemservice\/?$/i, '/ChargePointService')
    : '/ChargePointService';
  const base = url.href;
  if (identity === undefined) return base;
  return `${base}/${encodeURIComponent(identity)}${token === undefined ? '' : `/${token}`}`;
}

/**
 * The gateway's own ChargePointService (docs/architecture.md#migration-routing), the ChargePointService of the SOAP
 * server pipeline (soap-pipeline.ts). The gateway names it in the `wsa:From` of what it forwards to the legacy central
 * system, so the legacy system's calls to a charger (RemoteStartTransaction, Reset, GetConfiguration, ...) arrive
 * here; the charger's answer (or Fault) goes back on the same HTTP exchange. Its own steps: only callers the injected
 * check allows are served, checked before the body is parsed (Sender/SecurityError otherwise); the identity from the
 * chargeBoxIdentity header or the path (both present and different: Sender/IdentityMismatch, OCPP-S section 3.3); the
 * charger's token in the path and its own legacy system as the caller; then the RelaySink.
 */
export class ChargePointRelayEndpoint implements SoapService {
  readonly facts: ServiceFacts = {
    half: 'chargePoint',
    title: "the gateway's ChargePointService relay",
    logPrefix: 'ChargePointService relay: ',
    noIdentity: 'the chargeBoxIdentity SOAP header is missing or empty and the path names no charger',
  };
  readonly address: string;
  private readonly pipeline: SoapPipeline;
  /** The HTTP handler of POST and GET /ChargePointService[/<identity>[/<token>]]. */
  readonly handle: SoapPipeline['handle'];

  constructor(
    private readonly config: Pick<GatewayConfig, 'publicUrl' | 'maxBodyBytes' | 'maxIdentityLength'>,
    private readonly sink: RelaySink,
    private readonly allowed: RelayCallerCheck,
    private readonly tokens: RelayTokens,
    private readonly logger: Logger,
    private readonly observer: RelayObserver = {},
  ) {
    this.address = relayUrlOf(config.publicUrl);
    this.pipeline = new SoapPipeline(this, config.maxBodyBytes, logger, observer);
    this.handle = this.pipeline.handle;
  }

  /** Whether a path is the relay: /ChargePointService, /ChargePointService/<identity>[/<token>], any case. */
  static matches(path: string): boolean {
    return RELAY_PATH.test(path);
  }

  /** Only a legacy system may call at all: nobody else learns anything from the relay. */
  async screen({ req }: Exchange): Promise<Refusal | undefined> {
    const source = req.socket.remoteAddress ?? '';
    if (await this.allowed(source).catch(() => false)) return undefined;
    this.observer.onCallerRefused?.(source);
    if (this.pipeline.complaints.shouldLog(`${source}:relay-refused`)) {
      this.logger.warn(
        { remoteAddress: source, path: req.url },
        'ChargePointService relay call refused: the caller is not the legacy central system (LEGACY_CS_NETWORKS)',
      );
    }
    const fault = faultOf('SecurityError', 'this address may not call chargers through the gateway');
    return { kind: 'fault', fault, quiet: true };
  }

  identify(headers: SoapHeaders, { req }: Exchange): Identified {
    const pathIdentity = identityOfRelayPath(pathOf(req.url));
    if (pathIdentity === null)
      return { fault: faultOf('ProtocolError', 'the charger identity in the path is not valid percent-encoding') };
    const identity = headers.chargeBoxIdentity ?? pathIdentity;
    const overlong = overlongIdentity(identity, this.config.maxIdentityLength);
    if (overlong) return { fault: overlong };
    if (
      headers.chargeBoxIdentity !== undefined &&
      pathIdentity !== undefined &&
      headers.chargeBoxIdentity !== pathIdentity
    ) {
      const reason = 'the chargeBoxIdentity header names another charger than the address it was sent to';
      return { fault: faultOf('IdentityMismatch', reason), identity };
    }
    return { identity };
  }

  async dispatch(decoded: DecodedRequest, { req }: Exchange): Promise<ServiceAnswer> {
    const source = req.socket.remoteAddress ?? '';
    const refusal = await this.refusalFor(decoded.identity, source, pathOf(req.url));
    if (refusal) {
      this.observer.onCallerRefused?.(source);
      return { kind: 'fault', fault: faultOf('SecurityError', refusal) };
    }
    const { identity, dialect, op, request, messageId } = decoded;
    const call = { identity, dialect: dialect.id, operation: op.name, request, messageId, remoteAddress: source };
    const answer = await this.relay(call);
    // A charger's own Fault is passed on, not logged as the relay's complaint.
    return answer.kind === 'fault' ? { ...answer, quiet: true } : answer;
  }

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
