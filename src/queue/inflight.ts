import type { Redis } from 'ioredis';
import { luaCommand } from '../util/lua-command.js';
import { writeCoalescer } from '../util/write-coalescer.js';
import type { UpstreamJob } from './upstream-queue.js';

/**
 * Claims a message for direct delivery by the partition's consumer (see BullmqQueue, "direct delivery").
 * KEYS: the partition's lease, its BullMQ wait list, active list and delayed set, its in-flight hash.
 * ARGV: this instance's id, the charger identity, the message as JSON.
 * Returns 1 and records the message when this instance holds the lease, the charger has no message in flight and the
 * partition's BullMQ queue has nothing waiting, active or delayed (so nothing of this charger can be ahead of it);
 * 0 otherwise, and records nothing.
 */
const CLAIM = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('HEXISTS', KEYS[5], ARGV[2]) == 1 then return 0 end
if redis.call('LLEN', KEYS[2]) > 0 or redis.call('LLEN', KEYS[3]) > 0 or redis.call('ZCARD', KEYS[4]) > 0 then return 0 end
redis.call('HSET', KEYS[5], ARGV[2], ARGV[3])
return 1`;

/** Removes a charger's in-flight record if it is still the given message (KEYS: hash; ARGV: identity, message id). */
const RELEASE = `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and cjson.decode(v).id == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

type ClaimArgs = [lease: string, wait: string, active: string, delayed: string, inflight: string, instanceId: string, identity: string, job: string];
type ReleaseArgs = [inflight: string, identity: string, jobId: string];

/** The BullMQ keys of a partition's queue that the claim reads (Queue.keys). */
export interface PartitionKeys {
  lease: string;
  wait: string;
  active: string;
  delayed: string;
}

/**
 * Messages delivered directly by their partition's consumer, recorded in Redis for as long as they are in flight:
 * `<prefix>:inflight:p<n>`, a hash of identity -> UpstreamJob as JSON, at most one message per charger. A record
 * outlives the instance that made it: the partition's next consumer finds it and delivers the message (recover).
 */
export class InflightRecords {
  private readonly claimCommand: (...args: ClaimArgs) => Promise<unknown>;
  private readonly releaseCommand: (...args: ReleaseArgs) => Promise<unknown>;
  /** Claims and releases go out with the registry's writes of the same turn (see writeCoalescer). */
  private readonly coalesce: () => void;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.claimCommand = luaCommand<ClaimArgs>(redis, 'ocppgwClaimDirect', 5, CLAIM);
    this.releaseCommand = luaCommand<ReleaseArgs>(redis, 'ocppgwReleaseDirect', 1, RELEASE);
    this.coalesce = writeCoalescer(redis);
  }

  key(partition: number): string {
    return `${this.prefix}:inflight:p${partition}`;
  }

  /** True when the message is now recorded and this instance is to deliver it itself. */
  async claim(partition: number, keys: PartitionKeys, instanceId: string, job: UpstreamJob): Promise<boolean> {
    this.coalesce();
    const claimed = await this.claimCommand(keys.lease, keys.wait, keys.active, keys.delayed, this.key(partition), instanceId, job.identity, JSON.stringify(job));
    return claimed === 1;
  }

  /** The message is delivered (or handed to the queue): its record goes. */
  async release(partition: number, job: UpstreamJob): Promise<void> {
    this.coalesce();
    await this.releaseCommand(this.key(partition), job.identity, job.id);
  }

  /** Every message recorded in a partition (left by an instance that stopped or died), oldest arrival first. */
  async list(partition: number): Promise<UpstreamJob[]> {
    const records = Object.values(await this.redis.hgetall(this.key(partition))).map((json) => JSON.parse(json) as UpstreamJob);
    return records.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  }
}
