import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { GatewayConfig } from './config/config.js';
import { BullmqQueue } from './queue/bullmq-queue.js';
import { partitionOf } from './queue/partition.js';
import { redisRegistry } from './state/redis/registry.js';
import type { Logger } from './util/log.js';
import { RedisConnections } from './util/redis-connection.js';
import { SecretBox } from './util/secret-box.js';
import type { Storage, StorageHooks } from './storage-types.js';

/**
 * The Redis storage of several instances (docs/architecture.md#scale-out); loaded only when REDIS_URL or
 * REDIS_SENTINELS is set. Every connection is opened and watched by RedisConnections (docs/operations.md#redis-with-sentinel).
 */
export function openRedisStorage(config: GatewayConfig, logger: Logger, hooks: StorageHooks): Storage {
  const connections = new RedisConnections(config, logger);
  // The registry has its own connection; BullMQ keeps its connections to itself, and the records of direct delivery
  // use this one. Not auto-pipelined: ioredis's auto-pipelining kept about 10 KB per message alive long enough to be
  // promoted to the old generation, and the mark-compacts that followed were the Redis mode's p99 at half load
  // (bench/README.md). The registry and the records batch their per-message writes with writeCoalescer instead.
  const redis = connections.open();
  const queue = new BullmqQueue({
    connections,
    replicas: { min: config.redisMinReplicasAcked, timeoutMs: config.redisReplicaTimeoutMs },
    prefix: config.redisPrefix,
    partitions: config.partitions,
    leaseTtlMs: config.leaseTtlMs,
    direct: config.directDelivery,
    recordsConnection: redis,
    logger,
    onPartition: (partition, held) => hooks.onPartition(partition, held),
    onFailure: (job, err, attempts) => hooks.onFailure(job, err, attempts),
  });
  const owns = (identity: string) => queue.heldPartitions.has(partitionOf(identity, config.partitions));
  // Writes on behalf of a partition are conditional on its fencing token, and only a holder with a valid lease sends
  // to the CSMS (docs/architecture.md#fencing).
  const fence = (identity: string) => queue.leaseManager?.fence(partitionOf(identity, config.partitions));
  const mayDeliver = (identity: string) => queue.leaseManager?.fresh(partitionOf(identity, config.partitions)) === true;
  const registry = redisRegistry(redis, config.redisPrefix, owns, SecretBox.of(config.storeSecretKey), fence);
  return {
    kind: 'redis',
    redis,
    registry,
    queue,
    owns,
    mayDeliver,
    forgetCachedStates: () => registry.states.forgetCached(),
    queueBoard: (readOnlyMode) => {
      const serverAdapter = new ExpressAdapter();
      const path = '/queues';
      serverAdapter.setBasePath(path);
      createBullBoard({ queues: queue.allQueues.map((q) => new BullMQAdapter(q, { readOnlyMode })), serverAdapter });
      return { path, router: serverAdapter.getRouter() };
    },
    close: () => redis.disconnect(),
  };
}
