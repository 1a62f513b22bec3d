import type { RedisTarget } from '../util/redis-connection.js';
import * as s from '../util/schema.js';

/**
 * Redis connection keys (docs/operations.md#redis-with-sentinel): one Redis by URL, or a Sentinel-monitored primary
 * that every connection follows through a failover, and how many replicas must hold a message before it is
 * acknowledged to its charger.
 */

/** `host:port` entries, from a YAML list or a comma- or space-separated string (environment). */
const sentinelList = s
  .stringList('must be a list of host:port entries, or a comma- or space-separated string of them')
  .transform((list, ctx) => {
    const out: { host: string; port: number }[] = [];
    for (const entry of list) {
      const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(entry);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65_535) return ctx.fail(`"${entry}" is not host:port`);
      out.push({ host: match[1]!, port });
    }
    return out;
  });

/** The Redis keys of the configuration (merged into its schema; redisUrl and redisPrefix stay in config.ts). */
export const redisKeys = {
  /** Sentinels to ask for the primary, instead of REDIS_URL. */
  redisSentinels: sentinelList.optional(),
  /** The primary's name as the sentinels know it (`sentinel monitor <name> ...`). */
  redisSentinelName: s.string().min(1).default('mymaster'),
  /** ACL user and password for the Redis servers (with Sentinel; with REDIS_URL they may be in the URL). */
  redisUsername: s.string().min(1).optional(),
  redisPassword: s.string().min(1).optional(),
  /** Password of the sentinels themselves, when they require one. */
  redisSentinelPassword: s.string().min(1).optional(),
  /** A stored message is acknowledged only once this many replicas hold it (Redis WAIT); 0: no wait. */
  redisMinReplicasAcked: s.numeric().int().min(0).max(16).default(0),
  /** How long WAIT may take before the message counts as not stored (the charger then resends it). */
  redisReplicaTimeoutMs: s.numeric().int().min(1).max(60_000).default(1_000),
};

export const REDIS_ENV_KEYS = {
  REDIS_SENTINELS: 'redisSentinels',
  REDIS_SENTINEL_NAME: 'redisSentinelName',
  REDIS_USERNAME: 'redisUsername',
  REDIS_PASSWORD: 'redisPassword',
  REDIS_SENTINEL_PASSWORD: 'redisSentinelPassword',
  REDIS_MIN_REPLICAS_ACKED: 'redisMinReplicasAcked',
  REDIS_REPLICA_TIMEOUT_MS: 'redisReplicaTimeoutMs',
} as const;

/** How the gateway reaches Redis: what src/util/redis-connection.ts needs. */
export interface RedisSettings extends RedisTarget {
  redisMinReplicasAcked: number;
  redisReplicaTimeoutMs: number;
}

/** Redis is used (the scale-out mode) when either a URL or sentinels are configured. */
export function redisConfigured(config: Pick<RedisSettings, 'redisUrl' | 'redisSentinels'>): boolean {
  return Boolean(config.redisUrl) || (config.redisSentinels?.length ?? 0) > 0;
}

/** A configuration mistake in the Redis keys, or undefined. */
export function redisProblem(config: RedisSettings): string | undefined {
  if (config.redisUrl && config.redisSentinels?.length)
    return 'redisUrl (REDIS_URL) and redisSentinels (REDIS_SENTINELS) are exclusive: with Sentinel, the sentinels name the primary';
  if (config.redisMinReplicasAcked > 0 && !redisConfigured(config))
    return 'redisMinReplicasAcked (REDIS_MIN_REPLICAS_ACKED) needs Redis (REDIS_URL or REDIS_SENTINELS)';
  return undefined;
}
