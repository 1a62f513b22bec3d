import { csmsProtocolOf, type GatewayConfig } from '../config/config.js';
import { csmsProtocolModule } from '../ocpp/csms-protocols.js';
import type { CsmsProtocolModule } from '../ocpp/protocols.js';
import { IdTable } from '../util/id-table.js';
import type { Logger } from '../util/log.js';
import type { ChargerRegistry } from '../state/registry.js';
import { UpstreamConnection } from './connection.js';
import type { CsmsCallOutcome } from './connection-types.js';

export type CsmsCallListener = (
  identity: string,
  action: string,
  payload: Record<string, unknown>,
  messageId: string,
) => Promise<CsmsCallOutcome>;

/** How often silent chargers' connections are looked for. */
const IDLE_SWEEP_MS = 30_000;
/** Connections opened per second when many are opened at once (start, partition take-over). */
const OPENS_PER_SECOND = 100;
/** Heartbeat interval assumed for a charger that never had one (a common CSMS default). */
const DEFAULT_HEARTBEAT_SEC = 300;

/**
 * One UpstreamConnection per charger, created on the charger's first message. A connection whose charger has been
 * silent for longer than its idle bound (UPSTREAM_IDLE_SEC, else three heartbeat intervals) is closed, so the CSMS sees
 * a silent SOAP charger as disconnected, as it would see an OCPP-J one; the next message opens it again.
 */
export class UpstreamPool {
  private readonly connections = new Map<string, UpstreamConnection>();
  /** When each charger's last message passed through here. */
  private readonly lastTraffic = new IdTable<number>();
  private sweeper?: NodeJS.Timeout;
  /** Identities waiting for their turn to connect (openSpread), and the timer that lets them go. */
  private readonly toOpen = new Set<string>();
  private opener?: NodeJS.Timeout;

  constructor(
    private readonly config: GatewayConfig,
    private readonly logger: Logger,
    private readonly registry: Pick<ChargerRegistry, 'states' | 'contacts' | 'secrets'>,
    private readonly onCsmsCall: CsmsCallListener,
    /** Whether this instance may send a charger's messages to the CSMS now (UpstreamOptions.mayDeliver). */
    private readonly mayDeliver: (identity: string) => boolean = () => true,
  ) {}

  /** The connection for a charger (by its chargeBoxIdentity), created on first use; counts as traffic of the charger. */
  get(identity: string): UpstreamConnection {
    this.lastTraffic.set(identity, Date.now());
    let connection = this.connections.get(identity);
    if (!connection) {
      const override = this.config.chargers[identity];
      connection = new UpstreamConnection({
        csmsUrl: this.config.csmsUrl,
        identity: override?.upstreamIdentity ?? identity,
        protocol: this.protocolOf(identity),
        password: override?.basicAuthPassword,
        ca: this.config.csmsCa,
        clientCertificate: this.config.clientCertificates[identity],
        pingIntervalSec: this.config.wsPingIntervalSec,
        reconnectMinMs: this.config.reconnectMinMs,
        reconnectMaxMs: this.config.reconnectMaxMs,
        logger: this.logger.child({ chargeBoxIdentity: identity }),
        onCall: (action, payload, messageId) => this.onCsmsCall(identity, action, payload, messageId),
        // Recorded where every instance's ingress sees it: the charger's messages are answered 503 meanwhile.
        onRefusal: (status) => {
          this.registry.contacts
            .setRefusedByCsms(identity, status)
            .catch((err: Error) =>
              this.logger.warn({ chargeBoxIdentity: identity, err: err.message }, 'could not record the CSMS refusal'),
            );
        },
        // Read at every connection attempt: the CSMS may have set AuthorizationKey or WebSocketPingInterval since.
        mayDeliver: () => this.mayDeliver(identity),
        settings: async () => ({
          password: (await this.registry.secrets.authorizationKey(identity)) ?? override?.basicAuthPassword,
          pingIntervalSec: (await this.registry.states.load(identity))?.webSocketPingInterval,
        }),
      });
      this.connections.set(identity, connection);
    }
    return connection;
  }

  /** The OCPP-J protocol module of a charger's CSMS connection (configuration refuses protocols without one). */
  protocolOf(identity: string): CsmsProtocolModule {
    const id = csmsProtocolOf(this.config, identity);
    const module = csmsProtocolModule(id);
    if (!module) throw new Error(`no protocol module for ${id}`);
    return module;
  }

  /**
   * Opens many chargers' connections at OPENS_PER_SECOND rather than all at once, so that a restart of a large fleet
   * does not arrive at the CSMS as one burst of handshakes (reconnects after an outage are spread by their jitter).
   */
  openSpread(identities: string[]): void {
    for (const identity of identities) this.toOpen.add(identity);
    this.opener ??= setInterval(() => {
      for (const identity of [...take(this.toOpen, OPENS_PER_SECOND / 10)]) {
        this.toOpen.delete(identity);
        this.get(identity).connect();
      }
      if (this.toOpen.size === 0) {
        clearInterval(this.opener);
        this.opener = undefined;
      }
    }, 100);
    this.opener.unref();
  }

  /** Starts closing the connections of silent chargers. */
  startIdleSweep(): void {
    this.sweeper ??= setInterval(() => void this.closeIdle(), IDLE_SWEEP_MS);
    this.sweeper.unref();
  }

  /** Closes every connection whose charger has been silent past its bound; resolves with how many it closed. */
  async closeIdle(now = Date.now()): Promise<number> {
    let closed = 0;
    for (const [identity, connection] of [...this.connections]) {
      const bound =
        (this.config.upstreamIdleSec ||
          3 * ((await this.registry.states.load(identity))?.heartbeatInterval ?? DEFAULT_HEARTBEAT_SEC)) * 1000;
      if (now - (this.lastTraffic.get(identity) ?? 0) < bound || connection.state === 'closed') continue;
      connection.close();
      this.connections.delete(identity);
      this.lastTraffic.delete(identity);
      closed++;
    }
    if (closed > 0)
      this.logger.info({ closed }, 'closed the CSMS connections of chargers silent for longer than their idle bound');
    return closed;
  }

  peek(identity: string): UpstreamConnection | undefined {
    return this.connections.get(identity);
  }

  entries(): IterableIterator<[string, UpstreamConnection]> {
    return this.connections.entries();
  }

  /** Closes one charger's connection (its partition moved to another instance). */
  close(identity: string): void {
    this.toOpen.delete(identity);
    this.connections.get(identity)?.close();
    this.connections.delete(identity);
  }

  closeAll(): void {
    clearInterval(this.sweeper);
    clearInterval(this.opener);
    this.toOpen.clear();
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}

function* take<T>(items: Iterable<T>, count: number): Generator<T> {
  if (count <= 0) return;
  for (const item of items) {
    yield item;
    if (--count === 0) return;
  }
}
