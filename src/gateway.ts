import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createAdminServer } from './admin/admin-server.js';
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

  constructor(
    readonly config: GatewayConfig,
    readonly logger: Logger,
    private readonly observers: GatewayObservers = {},
  ) {
    if (config.redisUrl) {
      const queue = new BullmqQueue({
        redisUrl: config.redisUrl,
        prefix: config.redisPrefix,
        partitions: config.partitions,
        leaseTtlMs: config.leaseTtlMs,
        logger,
        onPartition: (partition, held) => void this.onPartition(partition, held),
      });
      this.queue = queue;
      // The registry has its own connection: auto-pipelining batches the many small per-message commands of
      // concurrent requests into one round trip (issue 5); BullMQ keeps its connections to itself.
      this.redis = new Redis(config.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: null });
      this.registry = new RedisRegistry(this.redis, config.redisPrefix);
    } else {
      this.queue = new EmbeddedQueue();
      this.registry = new MemoryRegistry();
    }
    this.upstream = new UpstreamPool(config, logger, this.registry, (identity, action, payload, messageId) => {
      if (!this.csmsCalls) return Promise.reject(new RpcError('InternalError', 'gateway is starting'));
      return this.csmsCalls.handle(identity, action, payload, messageId);
    });
    this.processor = new ChargerMessageProcessor(config, this.registry, this.upstream, logger, observers);
  }

  async start(): Promise<{ soapPort: number; adminPort: number }> {
    const client = await ChargePointClient.create(this.config.publicUrl);
    this.csmsCalls = new CsmsCallHandler(this.config, this.registry, client, this.upstream, this.logger, (id) => this.processor.translationOptions(id), this.observers);
    await this.queue.start(this.processor.process);
    const endpoint = new CentralSystemEndpoint(this.config, this.registry, this.queue, this.logger, this.observers);
    this.soapServer = createSoapServer(endpoint, this.logger, { headersMs: this.config.httpHeadersTimeoutMs, requestMs: this.config.httpRequestTimeoutMs }, this.config.tls);
    if (this.config.admission === 'auto-accept') this.logger.warn('admission is auto-accept: any chargeBoxIdentity is served');
    this.adminServer = createAdminServer({ token: this.config.adminToken, logger: this.logger, checkReady: () => this.checkReady() });
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
