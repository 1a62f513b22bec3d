import type { Router } from 'express';
import type { Redis } from 'ioredis';
import type { UpstreamJob, UpstreamQueue } from './queue/upstream-queue.js';
import type { ChargerRegistry } from './state/registry.js';
import type { SqliteStore } from './state/sqlite-store.js';

/**
 * Where the gateway keeps its state and queue (docs/architecture.md#scale-out): Redis and BullMQ with `REDIS_URL`,
 * else the embedded store (`STORE=sqlite`, durable) or memory. One shape for the three, so that the gateway only
 * connects parts; the Redis parts (ioredis, BullMQ, the queue board) are loaded only when Redis is used.
 */
export interface Storage {
  kind: 'redis' | 'sqlite' | 'memory';
  registry: ChargerRegistry;
  queue: UpstreamQueue;
  /** Whether this instance consumes the charger's partition now (always, without Redis). */
  owns(identity: string): boolean;
  /**
   * Whether this instance may send the charger's messages to the CSMS now: it owns the partition and knows its lease
   * is still valid (docs/architecture.md#fencing); always, without Redis.
   */
  mayDeliver(identity: string): boolean;
  /** The Redis connection of the registry and the records (Redis only), for readiness and migration routing. */
  redis?: Redis;
  /** The embedded durable store (STORE=sqlite only). */
  store?: SqliteStore;
  /** Drops the registry's cached states of consumed chargers (Redis) when partitions change hands. */
  forgetCachedStates(): void;
  /** The BullMQ queue board (Redis only), mounted on the admin port. */
  queueBoard?(readOnly: boolean): { path: string; router: Router };
  close(): void;
}

/** What the storage reports back to the gateway. */
export interface StorageHooks {
  /** A partition was taken or given up (Redis). */
  onPartition(partition: number, held: boolean): void;
  /** A message the processor kept failing on inside the gateway becomes a dead letter (docs/architecture.md#error-classes). */
  onFailure(job: UpstreamJob, err: unknown, attempts: number): Promise<void>;
}
