import { setOutboundCheck } from './ocpp/outbound-check.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminServer } from './admin/admin-server.js';
import { fleetCharts } from './admin/fleet-charts.js';
import { fleetSnapshot } from './admin/fleet-status.js';
import { GatewayMetrics } from './admin/metrics.js';
import { observeWith, type GatewayObservers } from './admin/observers.js';
import { MessageTrace } from './admin/trace.js';
import { CsmsCallHandler } from './bridge/csms-calls.js';
import { deadLetterFailed, DeadLetters } from './bridge/dead-letters.js';
import { ChargerIngress, type Capacity } from './bridge/ingress.js';
import { ChargerMessageProcessor } from './bridge/message-processor.js';
import { OfflinePolicies } from './bridge/offline-policies.js';
import { QueuedCount } from './bridge/queued-count.js';
import type { GatewayConfig } from './config/config.js';
import { RpcError } from './ocpp/rpc-error.js';
import type { UpstreamJob, UpstreamQueue } from './queue/upstream-queue.js';
import { CentralSystemEndpoint } from './soap/central-system-endpoint.js';
import type { CallbackPolicy } from './soap/callback-policy.js';
import { ConnectionGuard } from './soap/connection-guard.js';
import { SoapClient } from './soap/soap-client.js';
import { createSoapServer } from './soap/soap-server.js';
import type { ChargerRegistry } from './state/registry.js';
import { UpstreamPool } from './upstream/pool.js';
import { FileDescriptors } from './util/fds.js';
import type { Logger } from './util/log.js';
import { migrationEnabled } from './bridge/routed-processor.js';
import type { FleetApi } from './fleet-api/server.js';
import { MigrationWiring } from './migration-wiring.js';
import { FleetSettingsWiring } from './fleet-settings-wiring.js';
import { PendingWiring } from './pending-wiring.js';
import { openStorage, type Storage } from './storage.js';
import { partitionOf } from './queue/partition.js';

export type { GatewayObservers } from './admin/observers.js';

/** How often the embedded store gives the space of delivered messages back. */
const COMPACT_EVERY_MS = 10 * 60_000;

/** Wires the layers of docs/architecture.md together: soap -> bridge -> queue -> translate -> upstream, and state. */
export class Gateway {
  readonly registry: ChargerRegistry;
  readonly queue: UpstreamQueue;
  readonly upstream: UpstreamPool;
  readonly processor: ChargerMessageProcessor;
  readonly metrics: GatewayMetrics;
  readonly trace: MessageTrace;
  /** The dashboard's fleet charts and charger timelines (docs/architecture.md#fleet-charts). */
  readonly charts: ReturnType<typeof fleetCharts>;
  private readonly storage: Storage;
  private compaction?: NodeJS.Timeout;
  private readonly queued: QueuedCount;
  private readonly fds: FileDescriptors;
  private readonly offline: OfflinePolicies;
  private readonly observers: GatewayObservers;
  private csmsCalls?: CsmsCallHandler;
  /** The callback policy of the SOAP endpoint, which also checks the address a call to a charger connects to. */
  private callbacks?: CallbackPolicy;
  /** Migration routing, when a legacy system is configured (docs/architecture.md#migration-routing). */
  private migration?: MigrationWiring;
  private deadLetters?: DeadLetters;
  /** Pending chargers, with ADMISSION=approve (docs/operations.md#onboarding-chargers). */
  private pending?: PendingWiring;
  private soapServer?: Server;
  private adminServer?: Server;
  /** The ChargePoint Web Services API (docs/fleet-api.md), set when an API key is configured. */
  fleetApi?: FleetApi;
  /** Charger settings at run time (docs/architecture.md#charger-settings-at-run-time); reloadFile on SIGHUP. */
  fleetSettings?: FleetSettingsWiring;

  /** A gateway over the storage its configuration names (docs/architecture.md#scale-out), not yet listening. */
  static async create(config: GatewayConfig, logger: Logger, extraObservers: GatewayObservers = {}): Promise<Gateway> {
    let gateway: Gateway | undefined;
    const storage = await openStorage(config, logger, {
      onPartition: (partition, held) => void gateway?.onPartition(partition, held),
      onFailure: (job, err, attempts) => gateway!.deadLetter(job, err, attempts),
    });
    // The fleet API's modules load only when a key is configured (bench/README.md, "Idle memory").
    const api = config.fleetApi.keys.length > 0 ? (await import('./fleet-api/server.js')).FleetApi : undefined;
    return (gateway = new Gateway(config, logger, storage, extraObservers, api));
  }

  private constructor(
    readonly config: GatewayConfig,
    readonly logger: Logger,
    storage: Storage,
    extraObservers: GatewayObservers,
    api?: typeof FleetApi,
  ) {
    this.storage = storage;
    this.registry = storage.registry;
    this.queue = storage.queue;
    this.trace = new MessageTrace({
      perCharger: config.tracePerCharger,
      chargers: config.traceChargers,
      maskIdTags: config.traceMaskIdTags,
      bufferBytes: config.traceBufferMiB * 2 ** 20,
    });
    this.metrics = new GatewayMetrics(async () => {
      const snapshot = await fleetSnapshot(this, this.storage.store);
      return this.migration ? { ...snapshot, ...(await this.migration.snapshot()) } : snapshot;
    });
    this.charts = fleetCharts(this, logger);
    const trace = config.trace ? this.trace : undefined;
    const fleetApi = api?.attach(this, extraObservers) ?? extraObservers;
    this.observers = observeWith(this.metrics, trace, fleetApi, this.charts.timeline, config.messageMetrics);
    this.upstream = new UpstreamPool(
      config,
      logger,
      this.registry,
      (identity, action, payload, messageId) => {
        const calls = this.csmsCalls;
        if (!calls) return Promise.reject(new RpcError('InternalError', 'gateway is starting'));
        if (!this.migration) return calls.handle(identity, action, payload, messageId);
        return this.migration
          .checkCsmsCommand(identity, action, payload)
          .then(() => calls.handle(identity, action, payload, messageId));
      },
      storage.mayDeliver,
    );
    this.fds = new FileDescriptors(config.fdReserve);
    this.queued = new QueuedCount(this.registry, logger);
    this.offline = new OfflinePolicies(config, this.registry, logger);
    this.processor = new ChargerMessageProcessor({
      config,
      registry: this.registry,
      upstream: this.upstream,
      offline: this.offline,
      logger,
      observer: this.observers,
    });
  }

  /** Migration routing (docs/architecture.md#migration-routing), when a legacy system is configured. */
  private startMigration(client: SoapClient): Promise<MigrationWiring> {
    return MigrationWiring.create({
      config: this.config,
      logger: this.logger,
      registry: this.registry,
      processor: this.processor,
      observers: this.observers,
      chargers: client,
      owns: this.storage.owns,
      redis: this.storage.redis,
      store: this.storage.store,
    });
  }

  async start(): Promise<{ soapPort: number; adminPort: number }> {
    setOutboundCheck(this.config.schemaCheck ?? (process.env.NODE_ENV === 'production' ? 'sample' : 'all'));
    this.fleetSettings = await FleetSettingsWiring.create(this.config, this.logger, this.storage, this.upstream);
    const client = SoapClient.forChargers(this.config.maxBodyBytes, (target, address) =>
      this.callbacks?.connectRefusal(target.identity, target.url, address),
    );
    this.csmsCalls = new CsmsCallHandler(
      this.config,
      this.registry,
      client,
      this.upstream,
      this.logger,
      this.observers,
    );
    if (migrationEnabled(this.config)) this.migration = await this.startMigration(client);
    await this.queue.start(this.migration?.processor.process ?? this.processor.process, this.queued);
    for (const [identity, count] of this.queue.restored ?? []) await this.queued.add(identity, count);
    this.deadLetters = new DeadLetters(this.registry, this.queue, this.logger);
    const migration = this.migration;
    const csmsIsPrimary = migration ? (identity: string) => migration.csmsIsPrimary(identity) : undefined;
    const ingress = new ChargerIngress(
      this.config,
      this.registry,
      this.queue,
      this.queued,
      this.offline,
      this.logger,
      this.observers,
      this.capacity(),
      csmsIsPrimary,
    );
    const settings = this.fleetSettings.settings;
    this.pending = await PendingWiring.create(this.config, this.logger, this.metrics, this.storage, settings);
    const [pins, door] = [this.registry.pins, this.pending?.door];
    const endpoint = new CentralSystemEndpoint(this.config, ingress, this.logger, this.observers, pins, door);
    this.callbacks = endpoint.callbacks;
    this.soapServer = createSoapServer(
      endpoint,
      this.logger,
      { headersMs: this.config.httpHeadersTimeoutMs, requestMs: this.config.httpRequestTimeoutMs },
      this.config.tls,
      this.migration?.relay,
      new ConnectionGuard(
        { perSource: this.config.maxConnectionsPerSource, port: this.fds.connectionLimit() },
        this.logger,
        {
          refused: (reason) => this.metrics.connectionsRefused.inc({ reason }),
          evicted: () => this.metrics.connectionsEvicted.inc(),
        },
      ),
      this.fleetApi?.serve(this.storage.store ?? this.storage.redis, this.csmsCalls),
    );
    this.warnUnsafeSettings();
    const store = this.storage.store;
    if (store) {
      this.logger.info({ store: store.path, bytes: store.sizeBytes() }, 'embedded durable store open');
      this.compaction = setInterval(() => store.compact(), COMPACT_EVERY_MS).unref();
      // The CSMS can reach the chargers heard recently at once, before they speak again.
      await this.reopen(await this.registry.contacts.identities());
    }
    this.adminServer = this.createAdmin();
    this.upstream.startIdleSweep();
    this.charts.fleet.start();
    const soapPort = await listen(this.soapServer, this.config.port, this.config.host);
    const adminPort = await listen(this.adminServer, this.config.adminPort, this.config.adminHost);
    endpoint.callbacks.listening(soapPort, adminPort);
    void this.migration?.forwarder.resume();
    this.logger.info(
      {
        soapPort,
        adminPort,
        csmsUrl: this.config.csmsUrl,
        csmsProtocol: this.config.csmsProtocol,
        queue: this.queue.kind,
        publicUrl: this.config.publicUrl,
      },
      `gateway listening: SOAP on :${soapPort}/CentralSystemService, admin on ${this.config.adminHost}:${adminPort}`,
    );
    return { soapPort, adminPort };
  }

  /** Settings that are allowed but weaken a default: said at every start. */
  private warnUnsafeSettings(): void {
    if (this.config.admission === 'auto-accept')
      this.logger.warn('admission is auto-accept: any chargeBoxIdentity is served');
    if (this.config.adminInsecure && !this.config.adminToken)
      this.logger.warn(
        { adminHost: this.config.adminHost },
        'ADMIN_INSECURE: the admin port serves its data and actions without a token',
      );
    if (this.config.callbackPolicy === 'any')
      this.logger.warn('CALLBACK_POLICY=any: anyone who can send as a charger can move where its CSMS commands go');
    if (this.storage.kind === 'memory')
      this.logger.warn(
        'STORE=memory: queued messages and charger state are kept in memory only and are lost on a restart',
      );
    else if (!this.config.storeSecretKey)
      this.logger.warn('STORE_SECRET_KEY is not set: AuthorizationKeys the CSMS sets are stored in clear');
  }

  /** The admin port: status API, dashboard, metrics and operator actions (docs/architecture.md#the-admin-port). */
  private createAdmin(): ReturnType<typeof createAdminServer> {
    return createAdminServer({
      token: this.config.adminToken,
      // The address the port is bound to is a name it answers to, unless it is a wildcard.
      allowedHosts: [
        ...this.config.adminAllowedHosts,
        ...(['0.0.0.0', '::'].includes(this.config.adminHost) ? [] : [this.config.adminHost]),
      ],
      tls: this.config.adminTls,
      logger: this.logger,
      checkReady: () => this.checkReady(),
      registry: this.registry,
      upstream: this.upstream,
      dropQueued: async (identity) => {
        const dropped = await this.queue.dropQueued(identity);
        await this.queued.add(identity, -dropped);
        return dropped;
      },
      deadLetters: this.deadLetters,
      maskIdTags: this.config.traceMaskIdTags,
      metrics: this.metrics,
      trace: this.trace,
      charts: this.charts,
      // Read-only unless QUEUE_BOARD_WRITE: deleting a job there would bypass the logged reason /queued/drop asks for.
      queueBoard: this.storage.queueBoard?.(!this.config.queueBoardWrite),
      fleetRecords: this.fleetApi?.adminRouter(this.config.traceMaskIdTags),
      migration: this.migration?.control,
      fleetSettings: this.fleetSettings?.adminDependencies(),
      pending: PendingWiring.router(this.pending, this.config),
    });
  }

  /** What the ingress needs to know before it takes in a new charger (docs/architecture.md#resource-bounds). */
  private capacity(): Capacity {
    return {
      admit: (identity) => {
        if (this.upstream.peek(identity)) return true;
        if (this.fds.low()) return false;
        this.fds.opening();
        return true;
      },
      ensure: (identity) => {
        if (!this.upstream.peek(identity)) this.upstream.get(identity).connect();
      },
    };
  }

  /** A partition taken over: its recently active chargers' WebSockets open again (ACTIVE_WINDOW_MS); given up: closed. */
  private async onPartition(partition: number, held: boolean): Promise<void> {
    this.storage.forgetCachedStates();
    this.migration?.store.forgetCached();
    if (!held) {
      // At once, from the connections this instance has: none may reconnect meanwhile (docs/architecture.md#fencing).
      for (const [identity] of [...this.upstream.entries()])
        if (partitionOf(identity, this.config.partitions) === partition) this.upstream.close(identity);
      return;
    }
    void this.migration?.forwarder.resume();
    try {
      const identities = (await this.registry.contacts.identities()).filter(
        (id) => partitionOf(id, this.config.partitions) === partition,
      );
      await this.reopen(identities);
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message, partition },
        "could not reopen the partition's charger connections",
      );
    }
  }

  /** Opens the CSMS WebSockets of the chargers heard within the reopen window (reopenWindowMinutes). */
  private async reopen(identities: string[]): Promise<void> {
    const since = Date.now() - this.config.reopenWindowMinutes * 60_000;
    const recent: string[] = [];
    for (const identity of identities) {
      const contact = await this.registry.contacts.contact(identity);
      // A charger the CSMS has no part in (routed to the legacy system) is not shown to it as connected.
      if (
        contact &&
        this.config.chargers[identity]?.allow !== false &&
        Date.parse(contact.lastSoapContact) >= since &&
        (!this.migration || (await this.migration.csmsInvolved(identity)))
      )
        recent.push(identity);
    }
    this.upstream.openSpread(recent);
    const reopened = recent.length;
    if (reopened > 0)
      this.logger.info(
        { chargers: reopened, windowMinutes: this.config.reopenWindowMinutes },
        'reopened the CSMS connections of recently active chargers',
      );
  }

  /** A message the processor kept failing on: kept as a dead letter, and no longer counted as queued. */
  private async deadLetter(job: UpstreamJob, err: unknown, attempts: number): Promise<void> {
    await deadLetterFailed(this.registry.deadLetters, job, err, attempts, this.logger);
    this.queued.release(job.identity);
  }

  async checkReady(): Promise<void> {
    const redis = this.storage.redis;
    if (!redis) return;
    const problem = this.queue.unavailable?.();
    if (problem) throw new Error(problem);
    // Commands wait while Redis is away (they are not failed half done): the probe answers within a second anyway.
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('Redis does not answer PING within 1 s')), 1_000).unref(),
    );
    if ((await Promise.race([redis.ping(), timeout])) !== 'PONG') throw new Error('Redis does not answer PING');
  }

  /** Graceful stop: no new requests, in-flight work finished or failed cleanly, connections closed. */
  async stop(): Promise<void> {
    this.processor.stop();
    this.charts.fleet.stop();
    await this.migration?.stop();
    await this.pending?.stop();
    await Promise.all([close(this.soapServer), close(this.adminServer)]);
    await this.queue.close();
    this.upstream.closeAll();
    this.fleetApi?.flush();
    await this.fleetSettings?.close();
    await this.registry.close();
    clearInterval(this.compaction);
    this.storage.close();
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  });
}
