import type { Redis } from 'ioredis';
import { fencedCommand, luaCommand, type Fence } from '../util/lua-command.js';
import { writeCoalescer } from '../util/write-coalescer.js';
import { compareText } from '../util/order.js';
import { OLDEST_UNFINISHED_LUA } from './charger-jobs.js';
import { withRoute } from './batch.js';
import type { UpstreamJob } from './upstream-queue.js';

/**
 * Claims a message for direct delivery by the partition's consumer (see BullmqQueue, "direct delivery").
 * KEYS: the partition's lease, its in-flight hash, the charger's job marks (ChargerJobs), the partition's "marks
 * complete" flag, its BullMQ wait list, active list and delayed set, its fencing token.
 * ARGV: this instance's id, the charger identity, the message as JSON, the prefix of the partition's job keys, the
 * fencing token this instance drew when it took the lease.
 * Returns 1 and records the message when this instance holds the lease under that token (an instance that lost the
 * lease and took it again meanwhile has a newer one: docs/architecture.md#fencing), the charger has no message in flight and no
 * BullMQ job of the charger is unfinished (so nothing of this charger can be ahead of it); 0 otherwise, and records
 * nothing. A marked job is unfinished while it exists without `finishedOn` (BullMQ removes a completed job here,
 * removeOnComplete 0, and stamps one that failed for good); marks are read oldest first and those of finished jobs
 * removed (OLDEST_UNFINISHED_LUA), and the first unfinished job ends the claim. In a partition
 * whose marks are not complete yet (jobs from before marks existed), the whole partition's queue must be empty.
 */
const CLAIM = `${OLDEST_UNFINISHED_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[8]) ~= ARGV[5] then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 0 end
if redis.call('EXISTS', KEYS[4]) == 0 then
  if redis.call('LLEN', KEYS[5]) > 0 or redis.call('LLEN', KEYS[6]) > 0 or redis.call('ZCARD', KEYS[7]) > 0 then return 0 end
elseif oldestUnfinished(KEYS[3], ARGV[4]) then return 0
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;

/**
 * Removes a charger's in-flight record if it is still the given message, for the partition's owner (fencedLua).
 * KEYS (after the token's): hash; ARGV (after the token): identity, message id.
 */
const RELEASE = `local v = redis.call('HGET', KEYS[2], ARGV[2])
if v and cjson.decode(v).id == ARGV[3] then return redis.call('HDEL', KEYS[2], ARGV[2]) end
return 0`;

/**
 * Rewrites a charger's in-flight record if it is still the given message, for the partition's owner (fencedLua).
 * KEYS (after the token's): hash; ARGV (after the token): identity, message id, the message as JSON.
 */
const UPDATE = `local v = redis.call('HGET', KEYS[2], ARGV[2])
if v and cjson.decode(v).id == ARGV[3] then return redis.call('HSET', KEYS[2], ARGV[2], ARGV[4]) end
return 0`;

type ClaimArgs = [
  lease: string,
  inflight: string,
  marks: string,
  marksComplete: string,
  wait: string,
  active: string,
  delayed: string,
  fence: string,
  instanceId: string,
  identity: string,
  job: string,
  jobKeyPrefix: string,
  token: string,
];
type FencedRecordCommand<Args extends string[]> = (
  fence: Fence | undefined,
  keys: [inflight: string],
  args: Args,
) => Promise<unknown>;

/** The keys of a partition that the claim reads: its lease, BullMQ's (Queue.keys) and the marks' flag. */
export interface PartitionKeys {
  lease: string;
  wait: string;
  active: string;
  delayed: string;
  /** A job's key is this followed by its id. */
  jobPrefix: string;
  marksComplete: string;
  /** The partition's fencing token (LeaseManager.fenceKey). */
  fence: string;
}

/** A message recorded in flight, with the instance whose SOAP request may still wait for its outcome. */
export interface RecordedMessage {
  job: UpstreamJob;
  /** The instance that claimed it (absent in records written before claims named it). */
  replyTo?: string;
}

/**
 * The record of a claimed message: the job as JSON with `replyTo`, the claiming instance, first. Built as text, so the
 * job is not copied per message; `id` stays a top-level field, which RELEASE and UPDATE compare.
 */
export function recordOf(job: UpstreamJob, instanceId: string): string {
  return `{"replyTo":${JSON.stringify(instanceId)},${JSON.stringify(job).slice(1)}`;
}

/** A record read back: the job as it was claimed, and who claimed it. */
export function parseRecord(json: string): RecordedMessage {
  const { replyTo, ...job } = JSON.parse(json) as UpstreamJob & { replyTo?: string };
  return { job: withRoute(job), replyTo };
}

/**
 * Messages delivered directly by their partition's consumer, recorded in Redis for as long as they are in flight:
 * `<prefix>:inflight:p<n>`, a hash of identity -> record (recordOf), at most one message per charger. A record
 * outlives the instance that made it: the partition's next consumer finds it and delivers the message (recover), and
 * the outcome goes to the instance that claimed it, where the charger's request may still wait
 * (docs/architecture.md#direct-delivery).
 */
export class InflightRecords {
  private readonly claimCommand: (...args: ClaimArgs) => Promise<unknown>;
  private readonly releaseCommand: FencedRecordCommand<[identity: string, jobId: string]>;
  private readonly updateCommand: FencedRecordCommand<[identity: string, jobId: string, job: string]>;
  /** Claims and releases go out with the registry's writes of the same turn (see writeCoalescer). */
  private readonly coalesce: () => void;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.claimCommand = luaCommand<ClaimArgs>(redis, 'ocppgwClaimDirectFenced', 8, CLAIM);
    this.releaseCommand = fencedCommand(redis, 'ocppgwReleaseDirectFenced', 1, RELEASE, `${prefix}:unfenced`);
    this.updateCommand = fencedCommand(redis, 'ocppgwUpdateDirectFenced', 1, UPDATE, `${prefix}:unfenced`);
    this.coalesce = writeCoalescer(redis);
  }

  key(partition: number): string {
    return `${this.prefix}:inflight:p${partition}`;
  }

  /**
   * True when the message is now recorded and this instance is to deliver it itself. `marks`: the charger's job marks
   * (ChargerJobs.key); `token`: this instance's fencing token of the partition.
   */
  async claim(
    partition: number,
    keys: PartitionKeys,
    marks: string,
    instanceId: string,
    job: UpstreamJob,
    token: number,
  ): Promise<boolean> {
    this.coalesce();
    const claimed = await this.claimCommand(
      keys.lease,
      this.key(partition),
      marks,
      keys.marksComplete,
      keys.wait,
      keys.active,
      keys.delayed,
      keys.fence,
      instanceId,
      job.identity,
      recordOf(job, instanceId),
      keys.jobPrefix,
      String(token),
    );
    return claimed === 1;
  }

  /**
   * The record of a message still in flight, rewritten (it was acknowledged to its charger meanwhile). `fence`: the
   * partition's token here; a stale one is refused (FencedOut), so that a record a newer owner handled is not revived.
   * `replyTo`: the instance that claimed it.
   */
  async update(partition: number, job: UpstreamJob, replyTo: string, fence: Fence | undefined): Promise<void> {
    this.coalesce();
    await this.updateCommand(fence, [this.key(partition)], [job.identity, job.id, recordOf(job, replyTo)]);
  }

  /**
   * The message is delivered (or handed to the queue): its record goes, unless the fence is stale (FencedOut): the
   * record is then the newer owner's, which may be delivering it now.
   */
  async release(partition: number, job: UpstreamJob, fence: Fence | undefined): Promise<void> {
    this.coalesce();
    await this.releaseCommand(fence, [this.key(partition)], [job.identity, job.id]);
  }

  /** Every message recorded in a partition (left by an instance that stopped or died), oldest arrival first. */
  async list(partition: number): Promise<RecordedMessage[]> {
    const records = Object.values(await this.redis.hgetall(this.key(partition))).map(parseRecord);
    return records.sort((a, b) => compareText(a.job.receivedAt, b.job.receivedAt));
  }
}
