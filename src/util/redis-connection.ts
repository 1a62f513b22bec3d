import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './log.js';

/** Where Redis is: a URL, or sentinels that name the current primary (docs/operations.md#redis-with-sentinel). */
export interface RedisTarget {
  redisUrl?: string;
  redisSentinels?: { host: string; port: number }[];
  redisSentinelName: string;
  redisUsername?: string;
  redisPassword?: string;
  redisSentinelPassword?: string;
}

/**
 * Opens every Redis connection of the gateway the same way: by URL or through Sentinel (ioredis asks the sentinels
 * for the primary, and asks again after a failover or when the server it reaches says it is a replica), commands
 * waiting while no primary is reachable (maxRetriesPerRequest null: BullMQ requires it, and a write then waits for the
 * primary rather than failing half done), and an error listener on each, so that an outage is logged at most once per
 * connection per 10 s instead of as unhandled error events. `health` tracks whether they all are connected.
 */
export class RedisConnections {
  private readonly connections = new Set<Redis>();
  /**
   * Connections that have been ready once. One that never was is starting (a worker's connection while its partition
   * is taken, every connection at start): it is not an outage, and commands wait for it in ioredis's queue.
   */
  private readonly wereReady = new WeakSet<Redis>();
  private lastLogged = 0;

  constructor(
    private readonly target: RedisTarget,
    private readonly logger: Logger,
  ) {}

  /** Options of one connection; BullMQ's own duplicates of it get the same (Redis.duplicate keeps the options). */
  options(extra: RedisOptions = {}): RedisOptions {
    const t = this.target;
    const common: RedisOptions = {
      maxRetriesPerRequest: null,
      // Reconnect soon after an outage, but never hammer a Redis that is away.
      retryStrategy: (times) => Math.min(100 * times, 2_000),
      ...extra,
    };
    if (!t.redisSentinels?.length) return common;
    return {
      ...common,
      sentinels: t.redisSentinels,
      name: t.redisSentinelName,
      role: 'master',
      username: t.redisUsername,
      password: t.redisPassword,
      sentinelPassword: t.redisSentinelPassword,
      // Once failover has promoted a replica, a connection that reaches the old primary (come back as a replica)
      // must not write there: READONLY errors make ioredis reconnect and ask the sentinels again.
      reconnectOnError: (err) => err.message.startsWith('READONLY'),
      sentinelRetryStrategy: (times) => Math.min(100 * times, 2_000),
      // No failoverDetector: its reconnect, racing a reconnection already under way, left connections closed for
      // good (status end) in the failover tests; a dead primary's connections reconnect through the sentinels anyway.
    };
  }

  /** A new connection, watched. */
  open(extra: RedisOptions = {}): Redis {
    const t = this.target;
    const redis =
      t.redisSentinels?.length || !t.redisUrl
        ? new Redis(this.options(extra))
        : new Redis(t.redisUrl, {
            ...this.options(extra),
            ...(t.redisUsername ? { username: t.redisUsername } : {}),
            ...(t.redisPassword ? { password: t.redisPassword } : {}),
          });
    return this.watch(redis);
  }

  /** Adds the error listener to a connection made elsewhere (a duplicate), and counts it in `healthy`. */
  watch(redis: Redis): Redis {
    this.connections.add(redis);
    if (redis.status === 'ready') this.wereReady.add(redis);
    else redis.once('ready', () => this.wereReady.add(redis));
    redis.on('error', (err: Error) => this.logError(err));
    redis.once('end', () => this.connections.delete(redis));
    return redis;
  }

  /** Logs an error of any Redis connection (or of BullMQ, about one), at most once per 10 s. */
  logError(err: Error): void {
    if (Date.now() - this.lastLogged < 10_000) return;
    this.lastLogged = Date.now();
    this.logger.error({ err: err.message }, 'Redis connection error (repeats suppressed for 10 s)');
  }

  /** Undefined when every open connection is ready, else why not. */
  problem(): string | undefined {
    for (const redis of this.connections) {
      if (redis.status === 'ready' || redis.status === 'end' || redis.status === 'wait') continue;
      if (!this.wereReady.has(redis)) continue;
      return `Redis connection ${redis.status}`;
    }
    return undefined;
  }
}
