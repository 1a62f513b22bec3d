import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RedisConnections } from '../util/redis-connection.js';
import type { Fence } from '../util/lua-command.js';
import { ReplicaAcks } from '../util/replica-acks.js';
import type { BullmqQueueOptions } from './bullmq-options.js';
import { Takeover } from './takeover.js';

/**
 * The BullMQ queue's Redis connections, all opened and watched by RedisConnections (URL or Sentinel,
 * docs/operations.md#redis-with-sentinel): the queues' own, the leases' (renewals never wait behind a burst of queue
 * writes), and with REDIS_MIN_REPLICAS_ACKED the one that confirms replication (ReplicaAcks).
 */
export class QueueRedis {
  readonly connections: RedisConnections;
  readonly main: Redis;
  readonly leases: Redis;
  private readonly acks?: Redis;
  private readonly replicaAcks?: ReplicaAcks;
  private readonly takeover: Takeover;

  constructor(private readonly options: BullmqQueueOptions) {
    this.connections =
      options.connections ??
      new RedisConnections({ redisUrl: options.redisUrl, redisSentinelName: 'mymaster' }, options.logger);
    this.main = this.connections.open();
    this.leases = this.connections.open();
    this.takeover = new Takeover(this.leases);
    const r = options.replicas;
    if (r && r.min > 0) {
      this.acks = this.connections.open();
      this.replicaAcks = new ReplicaAcks(this.acks, `${options.prefix}:replica-acks`, r.min, r.timeoutMs);
    }
  }

  /** Resolves once the writes answered so far reached the replicas REDIS_MIN_REPLICAS_ACKED asks for. */
  replicated(): Promise<void> {
    return this.replicaAcks?.confirm() ?? Promise.resolve();
  }

  /** A dead consumer's active jobs of partition `p` return to its queue as their locks lapse (see Takeover). */
  reclaimStalled(p: number, queue: Queue, jobPrefix: string, fence: () => Fence | undefined): void {
    const ttlMs = this.options.leaseTtlMs ?? 10_000;
    const keys = { active: queue.keys.active!, wait: queue.keys.wait!, marker: queue.keys.marker!, jobPrefix };
    this.takeover.start(p, keys, fence, { everyMs: Math.max(100, Math.floor(ttlMs / 10)), forMs: 2 * ttlMs }, (jobs) =>
      this.options.logger.warn({ partition: p, jobs }, 'took over the jobs a previous consumer left active'),
    );
  }

  /** The partition is no longer this instance's. */
  released(p: number): void {
    this.takeover.stop(p);
  }

  close(): void {
    this.takeover.stopAll();
    this.main.disconnect();
    this.leases.disconnect();
    this.acks?.disconnect();
  }
}
