import type { Redis } from 'ioredis';
import { fencedCommand, type Fence } from '../../util/lua-command.js';
import { writeCoalescer } from '../../util/write-coalescer.js';

/**
 * The writes the owner of a charger's partition makes on its behalf, each conditional on the owner's fencing token in
 * the same round trip (fencedLua; docs/architecture.md#fencing). KEYS[2] is the written key.
 */
const SET_OR_DELETE = `if ARGV[2] == '' then return redis.call('DEL', KEYS[2]) end
return redis.call('SET', KEYS[2], ARGV[2])`;
const SET_FIELD = `return redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])`;

export type FencedWrite<Args extends string[]> = (
  fence: Fence | undefined,
  keys: [key: string],
  args: Args,
) => Promise<unknown>;

/**
 * What the Redis stores of one registry share: the connection, the key prefix, the fenced writes and the write
 * coalescer of the connection, and the fence of each charger's partition.
 */
export class RedisSpace {
  /** Sets a string key, or deletes it for ''. */
  readonly setOrDelete: FencedWrite<[value: string]>;
  /** Sets one field of a hash. */
  readonly setField: FencedWrite<[field: string, value: string]>;
  /** The per-message writes of concurrent requests go to Redis together (see writeCoalescer). */
  readonly coalesce: () => void;
  /** KEYS[1] of a fenced write without a fence (the script does not read it then). */
  readonly unfenced: string;

  constructor(
    readonly redis: Redis,
    readonly prefix: string,
    /** The fence of the charger's partition (see redisRegistry). */
    readonly fence: (identity: string) => Fence | undefined,
  ) {
    this.unfenced = `${prefix}:unfenced`;
    this.setOrDelete = fencedCommand(redis, 1, SET_OR_DELETE, this.unfenced);
    this.setField = fencedCommand(redis, 1, SET_FIELD, this.unfenced);
    this.coalesce = writeCoalescer(redis);
  }

  /** `<prefix>:<kind>:<identity>`, the key of one charger's entry of a kind. */
  key(kind: string, identity: string): string {
    return `${this.prefix}:${kind}:${identity}`;
  }
}
