import type { Redis } from 'ioredis';
import type { Logger } from '../util/log.js';
import type { RedisConnections } from '../util/redis-connection.js';
import type { UpstreamJob } from './upstream-queue.js';

/** How a BullMQ queue is set up: Redis, partitions, batching, direct delivery and the partition lease. */
export interface BullmqQueueOptions {
  /** Redis by URL (tests), or `connections`, which opens every connection (URL or Sentinel) and watches it. */
  redisUrl?: string;
  connections?: RedisConnections;
  /**
   * A message counts as stored only once this many replicas hold it (Redis WAIT, bounded by timeoutMs):
   * docs/operations.md#redis-with-sentinel.
   */
  replicas?: { min: number; timeoutMs: number };
  prefix: string;
  partitions: number;
  /** Jobs processed at once per partition (different chargers; one charger is always one at a time). */
  concurrency?: number;
  /** Most messages one BullMQ job carries (group commit of one partition's messages arriving together). */
  maxBatch?: number;
  /**
   * Direct delivery (default on): a message of a partition this instance consumes, from a charger with nothing else
   * in flight or queued, is recorded in Redis and delivered at once instead of through a BullMQ job. Off: every
   * message goes through BullMQ.
   */
  direct?: boolean;
  /**
   * Connection for the in-flight records of direct delivery and the chargers' job marks; default: the queues' own.
   * The gateway passes the registry's, so that BullMQ's connections carry only BullMQ's commands.
   */
  recordsConnection?: Redis;
  /**
   * How often a job whose charger has an older unfinished job looks again, at most (default 250 ms); it looks at once
   * when that job finishes on this instance. The poll is for an older job of another instance.
   */
  blockedPollMs?: number;
  /** Partition lease time-to-live: the bound on takeover after an instance dies. */
  leaseTtlMs?: number;
  logger: Logger;
  /** Told when this instance starts or stops consuming a partition (to open or close its chargers' WebSockets). */
  onPartition?(partition: number, held: boolean): void;
  /** A message the processor kept failing on inside the gateway: kept as a dead letter (docs/architecture.md#error-classes). */
  onFailure?(job: UpstreamJob, err: unknown, attempts: number): Promise<void>;
}
