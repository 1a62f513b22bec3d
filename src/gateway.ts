import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { createAdminServer } from './admin/admin-server.js';
import { GatewayMetrics, type FleetSnapshot } from './admin/metrics.js';
import { MessageTrace } from './admin/trace.js';
import { ChargerMessageProcessor, type MessageObserver } from './bridge/charger-messages.js';
import { CsmsCallHandler, type CsmsCallObserver } from './bridge/csms-calls.js';
import { ChargePointClient } from './soap/charge-point-client.js';
import type { GatewayConfig } from './config/config.js';
import type { Logger } from './log.js';
import { BullmqQueue } from './queue/bullmq-queue.js';
import { partitionOf } from './queue/partition.js';
import { EmbeddedQueue } from './queue/embedded-queue.js';
import type { UpstreamQueue } from './queue/upstream-queue.js';
import { CentralSystemEndpoint, type EndpointObserver } from './soap/central-system-endpoint.js';
import { createSoapServer } from './soap/soap-server.js';
import { MemoryRegistry } from './state/memory-registry.js';
import { RedisRegistry } from './state/redis-registry.js';
import type { ChargerRegistry } from './state/registry.js';
import { RpcError } from './upstream/frames.js';
import { UpstreamPool } from './upstream/pool.js';

export interface GatewayObservers extends EndpointObserver, MessageObserver, CsmsCallObserver {}

/** Wires the parts of docs/architecture.md together: soap ingress -> queue -> translate -> upstream, and state. */
export class Gateway {
  readonly registry: ChargerRegistry;
  readonly queue: UpstreamQueue;
  readonly upstream: UpstreamPool;
  readonly processor: ChargerMessageProcessor;
  private readonly redis?: Redis;
  private csmsCalls?: CsmsCallHandler;
  private soapServer?: Server;
  private adminServer?: Server;

  readonly metrics: GatewayMetrics;
  readonly trace: MessageTrace;
  /** Drops the registry's cached states of consumed chargers (Redis only) when partitions change hands. */
  private forgetCachedStates: () => void = () => undefined;
  private readonly observers: GatewayObservers;

  constructor(
    readonly config: GatewayConfig,
    readonly logger: Logger,
    extraObservers: GatewayObservers = {},
  ) {
    this.trace = new MessageTrace({
      perCharger: config.tracePerCharger,
      chargers: config.traceChargers,
      maskIdTags: config.traceMaskIdTags,
      bufferBytes: config.traceBufferMiB * 2 ** 20,
    });
    this.metrics = new GatewayMetrics(() => this.fleetSnapshot());
    this.observers = this.composeObservers(extraObservers);
    if (config.redisUrl) {
      // The registry has its own connection; BullMQ keeps its connections to itself, and the records of direct
      // delivery use this one. Not auto-pipelined (issue 5 heap profile): ioredis's auto-pipelining kept about 10 KB
      // per message alive long enough to be promoted to the old generation, 40 MB every 4 s at 1,000 msg/s, and the
      // mark-compacts that followed were the Redis mode's p99 at half load. The registry and the records batch their
      // per-message writes with writeCoalescer instead (one socket write per event-loop turn).
      const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
      this.redis = redis;
      const queue = new BullmqQueue({
        redisUrl: config.redisUrl,
        prefix: config.redisPrefix,
        partitions: config.partitions,
        leaseTtlMs: config.leaseTtlMs,
        direct: config.directDelivery,
        recordsConnection: redis,
        logger,
        onPartition: (partition, held) => void this.onPartition(partition, held),
      });
      this.queue = queue;
      const registry = new RedisRegistry(redis, config.redisPrefix, (identity) => queue.heldPartitions.has(partitionOf(identity, config.partitions)));
      this.registry = registry;
      this.forgetCachedStates = () => registry.forgetCached();
    } else {
      this.queue = new EmbeddedQueue();
      this.registry = new MemoryRegistry();
    }
    this.upstream = new UpstreamPool(config, logger, this.registry, (identity, action, payload, messageId) => {
      if (!this.csmsCalls) return Promise.reject(new RpcError('InternalError', 'gateway is starting'));
      return this.csmsCalls.handle(identity, action, payload, messageId);
    });
    this.processor = new ChargerMessageProcessor(config, this.registry, this.upstream, logger, this.observers);
  }

  async start(): Promise<{ soapPort: number; adminPort: number }> {
    const client = await ChargePointClient.create(this.config.publicUrl);
    this.csmsCalls = new CsmsCallHandler(this.config, this.registry, client, this.upstream, this.logger, (id) => this.processor.translationOptions(id), this.observers);
    await this.queue.start(this.processor.process);
    const endpoint = new CentralSystemEndpoint(this.config, this.registry, this.queue, this.logger, this.observers);
    this.soapServer = createSoapServer(endpoint, this.logger, { headersMs: this.config.httpHeadersTimeoutMs, requestMs: this.config.httpRequestTimeoutMs }, this.config.tls);
    if (this.config.admission === 'auto-accept') this.logger.warn('admission is auto-accept: any chargeBoxIdentity is served');
    this.adminServer = createAdminServer({
      token: this.config.adminToken,
      logger: this.logger,
      checkReady: () => this.checkReady(),
      registry: this.registry,
      upstream: this.upstream,
      queue: this.queue,
      metrics: this.metrics,
      trace: this.trace,
      queueBoard: this.queue instanceof BullmqQueue ? queueBoard(this.queue) : undefined,
    });
    const soapPort = await listen(this.soapServer, this.config.port, this.config.host);
    const adminPort = await listen(this.adminServer, this.config.adminPort, this.config.adminHost);
    this.logger.info(
      { soapPort, adminPort, csmsUrl: this.config.csmsUrl, queue: this.queue.kind, publicUrl: this.config.publicUrl },
      `gateway listening: SOAP on :${soapPort}/CentralSystemService, admin on ${this.config.adminHost}:${adminPort}`,
    );
    return { soapPort, adminPort };
  }

  /**
   * This instance took over (or gave up) a partition: open the WebSockets of its chargers that were active within
   * the last half hour, so the CSMS sees them again without waiting for their next SOAP message (issue 4).
   */
  private async onPartition(partition: number, held: boolean): Promise<void> {
    this.forgetCachedStates();
    try {
      const identities = (await this.registry.identities()).filter((id) => partitionOf(id, this.config.partitions) === partition);
      for (const identity of identities) {
        if (!held) {
          this.upstream.close(identity);
          continue;
        }
        const contact = await this.registry.contact(identity);
        if (contact && Date.now() - Date.parse(contact.lastSoapContact) < 30 * 60_000) this.upstream.get(identity).connect();
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, partition }, 'could not reopen the partition\'s charger connections');
    }
  }

  /** Metrics and the message trace see every exchange; tests may add their own observers. */
  private composeObservers(extra: GatewayObservers): GatewayObservers {
    const { metrics, trace } = this;
    return {
      onSoapExchange: (e) => {
        metrics.onSoapExchange(e);
        if (e.identity && e.jobId) {
          trace.record(e.identity, e.jobId, { direction: 'charger_to_csms', action: e.action, soapRequest: e.requestXml, soapResponse: e.responseXml, httpStatus: e.httpStatus });
        }
        extra.onSoapExchange?.(e);
      },
      onExchange: (e) => {
        metrics.onExchange(e);
        if (e.rpcError) metrics.onRpcErrorFromCsms(e.rpcError);
        trace.record(e.identity, e.jobId, { direction: 'charger_to_csms', action: e.action, ocppCall: e.call, ocppResult: e.result, outcome: e.via });
        extra.onExchange?.(e);
      },
      onCsmsCall: (e) => {
        metrics.onCsmsCall(e);
        trace.record(e.identity, e.messageId, {
          direction: 'csms_to_charger',
          action: e.action,
          ocppCall: e.request,
          ocppResult: 'result' in e.outcome ? e.outcome.result : e.outcome.error,
          soapRequest: e.soap?.requestXml,
          soapResponse: e.soap?.responseXml,
          outcome: 'result' in e.outcome ? 'result' : `CALLERROR ${e.outcome.error.code}`,
        });
        extra.onCsmsCall?.(e);
      },
      onRejected: (reason, status) => {
        metrics.onRejected(status);
        extra.onRejected?.(reason, status);
      },
      onOverflow: (identity, action, decision) => {
        metrics.onOverflow(action, decision);
        extra.onOverflow?.(identity, action, decision);
      },
    };
  }

  /** Fleet gauges for a metrics scrape. */
  private async fleetSnapshot(): Promise<FleetSnapshot> {
    const identities = await this.registry.identities();
    const contacts = await Promise.all(identities.map((id) => this.registry.contact(id)));
    const activeSince = Date.now() - 15 * 60_000;
    let upstreamConnected = 0;
    let upstreamReconnects = 0;
    for (const [, connection] of this.upstream.entries()) {
      if (connection.isOpen) upstreamConnected++;
      upstreamReconnects += connection.reconnects;
    }
    return {
      chargersKnown: identities.length,
      soapActive: contacts.filter((c) => c && Date.parse(c.lastSoapContact) >= activeSince).length,
      upstreamConnected,
      withoutCallbackUrl: identities.filter((id, i) => !contacts[i]?.callbackUrl && !this.config.chargers[id]?.callbackUrl).length,
      upstreamReconnects,
      queues: await this.queue.stats(),
      queueAdded: { ...this.queue.added },
    };
  }

  async checkReady(): Promise<void> {
    if (this.redis && (await this.redis.ping()) !== 'PONG') throw new Error('Redis does not answer PING');
  }

  /** Graceful stop: no new requests, in-flight work finished or failed cleanly, connections closed. */
  async stop(): Promise<void> {
    this.processor.stop();
    await Promise.all([close(this.soapServer), close(this.adminServer)]);
    await this.queue.close();
    this.upstream.closeAll();
    await this.registry.close();
    this.redis?.disconnect();
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

/** Bull Board over the partition queues, served by the admin server behind the admin token (issue 6). */
function queueBoard(queue: BullmqQueue): { path: string; router: import('express').Router } {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('/queues');
  createBullBoard({ queues: queue.allQueues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter });
  return { path: '/queues', router: serverAdapter.getRouter() as import('express').Router };
}
