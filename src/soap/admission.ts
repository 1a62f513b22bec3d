import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { GatewayConfig } from '../config/config.js';
import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';
import { AuthThrottle } from '../util/auth-throttle.js';
import type { Logger } from '../util/log.js';
import { inAnyCidr, plainAddress } from '../util/net.js';
import { VerifiedCredentials } from '../util/password-hash.js';

/** Where pinned source addresses are kept (the registry): trust on first use, per charger. */
export interface SourcePins {
  pinnedSource(identity: string): Promise<string | undefined>;
  pinSource(identity: string, address: string): Promise<void>;
}

/** Identities an operator approved at run time (ADMISSION=approve, docs/operations.md#onboarding-chargers). */
export interface ApprovedIdentities {
  approved(identity: string): boolean;
}

export type AdmissionResult =
  | { kind: 'admitted' }
  /** unlisted: refused only for want of a listing or an approval (kept as pending with ADMISSION=approve). */
  | { kind: 'refused'; fault: SoapFault; unlisted?: boolean }
  /** Too many failed authentications from this identity or address: HTTP 429 with Retry-After. */
  | { kind: 'throttled'; retryAfterSec: number; reason: string };

export interface AdmissionObserver {
  /** A failed HTTP Basic authentication (counted; logged once a minute with counts). */
  onAuthFailure?(identity: string, remoteAddress: string): void;
  /** A message answered 429 because of earlier failures (counted; summed in the minute's log line). */
  onThrottled?(identity: string, remoteAddress: string): void;
}

/** Failed authentications allowed per key within one window, before 429. */
const FAILURES_PER_WINDOW = 10;
const WINDOW_MS = 60_000;
/** Chargers whose last good source is remembered (beyond, the oldest are forgotten: they are throttled like others). */
const MAX_GOOD_SOURCES = 50_000;

/**
 * Who may use the SOAP endpoint as which charger (README.md, "Security"): the allowlist (or explicit auto-accept),
 * per-charger deny, the networks a charger's messages may come from (CHARGER_NETWORKS, `sources`, a pinned source),
 * a TLS client certificate that names the identity, and HTTP Basic auth whose user name is the chargeBoxIdentity,
 * throttled per identity and per address. Every refusal is Sender/SecurityError; the reason names what to configure,
 * never a secret.
 */
export class Admission {
  private readonly failures = new AuthThrottle(FAILURES_PER_WINDOW, WINDOW_MS);
  /** The address each charger last authenticated from: it keeps being served while others guess its password. */
  private readonly goodSource = new Map<string, string>();
  /** Failed authentications since the last summary line, per identity: count and addresses. */
  private readonly recent = new Map<string, { count: number; addresses: Set<string> }>();
  private throttledSinceSummary = 0;
  /** SOAP passwords verified against their stored scrypt hash: later messages cost a SHA-256 (bench/README.md). */
  private readonly credentials = new VerifiedCredentials();
  private summaryTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: GatewayConfig,
    private readonly logger: Logger,
    private readonly pins?: SourcePins,
    private readonly observer: AdmissionObserver = {},
    private readonly approvals?: ApprovedIdentities,
  ) {}

  async check(identity: string, req: IncomingMessage): Promise<AdmissionResult> {
    const address = plainAddress(req.socket.remoteAddress ?? '');
    const throttled = this.throttled(identity, address);
    if (throttled) {
      this.observer.onThrottled?.(identity, address);
      this.throttledSinceSummary++;
      this.summaryTimer ??= setTimeout(() => this.summarise(), WINDOW_MS).unref();
      return throttled;
    }
    const fault =
      this.chargerFault(identity) ??
      this.sourceFault(identity, address) ??
      this.certificateFault(identity, req) ??
      (await this.pinFault(identity, address));
    if (fault) return { kind: 'refused', fault, ...(this.unlisted(identity, address) ? { unlisted: true } : {}) };
    const auth = await this.authFault(identity, req.headers.authorization);
    if (auth) {
      this.failed(identity, address);
      return { kind: 'refused', fault: auth };
    }
    if (this.needsCredentials(identity)) this.authenticated(identity, address);
    const pinned = await this.pinFirstUse(identity, address);
    return pinned ? { kind: 'refused', fault: pinned } : { kind: 'admitted' };
  }

  private chargerFault(identity: string): SoapFault | undefined {
    const charger = this.config.chargers[identity];
    if (charger && !charger.allow)
      return faultOf(
        'SecurityError',
        `charger ${identity} is not allowed (chargers.${identity}.allow is false, or it was retired in the admin API)`,
      );
    if (this.config.admission === 'allowlist' && !charger) {
      return faultOf(
        'SecurityError',
        `charger ${identity} is not on the allowlist: add it under chargers in the configuration, or set admission: auto-accept`,
      );
    }
    if (this.config.admission === 'approve' && !charger && !this.approvals?.approved(identity))
      return faultOf('SecurityError', `charger ${identity} is not approved: an operator approves it on the admin port`);
    return undefined;
  }

  /** A refused identity to keep as pending: unlisted, unapproved, and sending from where chargers may send. */
  private unlisted(identity: string, address: string): boolean {
    return (
      this.config.admission === 'approve' &&
      !this.config.chargers[identity] &&
      !this.approvals?.approved(identity) &&
      !this.sourceFault(identity, address)
    );
  }

  /** CHARGER_NETWORKS for every charger, `sources` for one. */
  private sourceFault(identity: string, address: string): SoapFault | undefined {
    const networks = this.config.chargerNetworks;
    if (networks && !inAnyCidr(address, networks))
      return faultOf('SecurityError', `messages from ${address} are not accepted (CHARGER_NETWORKS)`);
    const sources = this.config.chargers[identity]?.sources;
    if (sources && !inAnyCidr(address, sources))
      return faultOf(
        'SecurityError',
        `charger ${identity} does not send from ${address} (chargers.${identity}.sources)`,
      );
    return undefined;
  }

  /** With client certificates required, the certificate must name the identity: its CN or one of its SANs. */
  private certificateFault(identity: string, req: IncomingMessage): SoapFault | undefined {
    if (!this.config.tls?.clientCa) return undefined;
    const cert = (req.socket as TLSSocket).getPeerCertificate?.();
    const names = [
      cert?.subject?.CN,
      ...(cert?.subjectaltname ?? '').split(/,\s*/).map((san) => san.replace(/^[A-Za-z ]+:/, '')),
    ].flat();
    if (names.includes(identity)) return undefined;
    return faultOf(
      'SecurityError',
      `the client certificate does not name chargeBoxIdentity ${identity} (its CN or subjectAltName must)`,
    );
  }

  /** Trust on first use: a pinned charger sends from its pinned address; an operator re-pins (POST /api/chargers/:id/repin). */
  private async pinFault(identity: string, address: string): Promise<SoapFault | undefined> {
    if (!this.config.chargers[identity]?.pinSource || !this.pins || !address) return undefined;
    const pinned = await this.pins.pinnedSource(identity);
    return pinned === undefined || pinned === address ? undefined : this.pinnedElsewhere(identity);
  }

  /**
   * The first authenticated message pins its address (after the credentials, so that nobody without them can pin
   * theirs). Of two racing first messages one wins; the other is refused like any message from elsewhere.
   */
  private async pinFirstUse(identity: string, address: string): Promise<SoapFault | undefined> {
    if (!this.config.chargers[identity]?.pinSource || !this.pins || !address) return undefined;
    if ((await this.pins.pinnedSource(identity)) !== undefined) return undefined;
    await this.pins.pinSource(identity, address);
    const pinned = await this.pins.pinnedSource(identity);
    if (pinned !== address) return this.pinnedElsewhere(identity);
    this.logger.info({ chargeBoxIdentity: identity, address }, `pinned the source address of ${identity}: ${address}`);
    return undefined;
  }

  private pinnedElsewhere(identity: string): SoapFault {
    return faultOf(
      'SecurityError',
      `charger ${identity} is pinned to another source address (re-pin it in the admin API)`,
    );
  }

  private async authFault(identity: string, authorization: string | undefined): Promise<SoapFault | undefined> {
    const charger = this.config.chargers[identity];
    const credentials = basicCredentials(authorization);
    if (credentials && credentials.user !== identity)
      return faultOf('SecurityError', `HTTP Basic user name does not match chargeBoxIdentity ${identity}`);
    const expected = charger?.soapPassword;
    if (expected === undefined) {
      return this.config.requireSoapAuth
        ? faultOf(
            'SecurityError',
            `no SOAP credentials configured for charger ${identity} (chargers.${identity}.soapPassword)`,
          )
        : undefined;
    }
    if (!credentials) return faultOf('SecurityError', 'HTTP Basic authentication required');
    if (!(await this.credentials.verify(identity, credentials.password, expected)))
      return faultOf('SecurityError', 'HTTP Basic authentication failed');
    return undefined;
  }

  private needsCredentials(identity: string): boolean {
    return this.config.chargers[identity]?.soapPassword !== undefined || this.config.requireSoapAuth;
  }

  /**
   * Throttling that cannot be turned against chargers (docs/architecture.md#throttling): failures count per (identity,
   * source) and per identity, but the identity's count never stops the source it last authenticated from; an
   * address's count throttles it only for identities that need credentials, so chargers without a password behind
   * a guessing NAT are still served.
   */
  private throttled(identity: string, address: string, now = Date.now()): AdmissionResult | undefined {
    const refuse = (retryAfterSec: number, who: string): AdmissionResult => ({
      kind: 'throttled',
      retryAfterSec,
      reason: `too many failed authentications (${who}); retry later`,
    });
    const pair = this.failures.retryAfter(`pair:${identity}\n${address}`, now);
    if (pair) return refuse(pair, `charger ${identity} from ${address}`);
    if (!this.needsCredentials(identity)) return undefined;
    const byIdentity = this.failures.retryAfter(`id:${identity}`, now);
    if (byIdentity && this.goodSource.get(identity) !== address) return refuse(byIdentity, `charger ${identity}`);
    const byAddress = this.failures.retryAfter(`ip:${address}`, now);
    if (byAddress && this.goodSource.get(identity) !== address) return refuse(byAddress, `address ${address}`);
    return undefined;
  }

  private failed(identity: string, address: string, now = Date.now()): void {
    this.observer.onAuthFailure?.(identity, address);
    this.remember(identity, address);
    for (const key of [`pair:${identity}\n${address}`, `id:${identity}`, `ip:${address}`]) this.failures.fail(key, now);
  }

  private authenticated(identity: string, address: string): void {
    if (this.goodSource.get(identity) === address) return;
    this.goodSource.delete(identity);
    if (this.goodSource.size >= MAX_GOOD_SOURCES) this.goodSource.delete(this.goodSource.keys().next().value!);
    this.goodSource.set(identity, address);
  }

  /** One log line a minute sums the failures up, however many there were. */
  private remember(identity: string, address: string): void {
    let entry = this.recent.get(identity);
    if (!entry) {
      if (this.recent.size >= 1_000) return;
      this.recent.set(identity, (entry = { count: 0, addresses: new Set() }));
    }
    entry.count++;
    if (entry.addresses.size < 20) entry.addresses.add(address);
    this.summaryTimer ??= setTimeout(() => this.summarise(), WINDOW_MS).unref();
  }

  private summarise(): void {
    this.summaryTimer = undefined;
    const failures = Object.fromEntries(
      [...this.recent].map(([identity, e]) => [identity, { count: e.count, addresses: [...e.addresses] }]),
    );
    const total = [...this.recent.values()].reduce((n, e) => n + e.count, 0);
    const throttled = this.throttledSinceSummary;
    this.recent.clear();
    this.throttledSinceSummary = 0;
    this.logger.warn(
      { failures, throttled },
      `${total} failed HTTP Basic authentications and ${throttled} messages answered 429 in the last minute (throttled above ${FAILURES_PER_WINDOW} failures per charger and source, per charger or per address)`,
    );
  }
}

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
