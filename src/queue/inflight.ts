import type { Redis } from 'ioredis';
import { fencedCommand, luaCommand, type Fence } from '../util/lua-command.js';
import { writeCoalescer } from '../util/write-coalescer.js';
import { compareText } from '../util/order.js';
import { addQueuedLua } from '../state/redis/queued.js';
import { OLDEST_UNFINISHED_LUA } from './charger-jobs.js';
import { withRoute } from './batch.js';
import type { UpstreamJob } from './upstream-queue.js';

/**
 * Claims a message for direct delivery by the partition's consumer (see BullmqQueue, "direct delivery").
 * KEYS: the partition's lease, its in-flight hash, the charger's job marks (ChargerJobs), the partition's "marks
 * complete" flag, its BullMQ wait list, active list and delayed set, its fencing token, its hash of records behind
 * (identity -> how many), its sequence of records behind.
 * ARGV: this instance's id, the charger identity, the message as JSON, the prefix of the partition's job keys, the
 * fencing token this instance drew when it took the lease, '1' for a claim behind the charger's own records.
 * Records the message when this instance holds the lease under that token (an instance that lost the lease and took
 * it again meanwhile has a newer one: docs/architecture.md#fencing) and no BullMQ job of the charger is unfinished;
 * a first claim (ARGV[6] '0') also needs the charger to have no record at all. Returns the field the record went to:
 * the identity when the charger had none (the head), else `identity NUL n` with n from the partition's sequence (a
 * record behind, counted in KEYS[9]); 0 when nothing was recorded. A marked job is unfinished while it exists without
 * `finishedOn` (BullMQ removes a completed job here, removeOnComplete 0, and stamps one that failed for good); marks
 * are read oldest first and those of finished jobs removed (OLDEST_UNFINISHED_LUA), and the first unfinished job ends
 * the claim. In a partition whose marks are not complete yet (jobs from before marks existed), the whole partition's
 * queue must be empty.
 */
const CLAIM = `${OLDEST_UNFINISHED_LUA}
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[8]) ~= ARGV[5] then return 0 end
local head = redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1
local behind = redis.call('HEXISTS', KEYS[9], ARGV[2]) == 1
if ARGV[6] ~= '1' and (head or behind) then return 0 end
if redis.call('EXISTS', KEYS[4]) == 0 then
  if redis.call('LLEN', KEYS[5]) > 0 or redis.call('LLEN', KEYS[6]) > 0 or redis.call('ZCARD', KEYS[7]) > 0 then return 0 end
elseif oldestUnfinished(KEYS[3], ARGV[4]) then return 0
end
if not head and not behind then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  return ARGV[2]
end
local field = ARGV[2] .. '\\0' .. redis.call('INCR', KEYS[10])
redis.call('HSET', KEYS[2], field, ARGV[3])
redis.call('HINCRBY', KEYS[9], ARGV[2], 1)
return field`;

/**
 * Removes an in-flight record if it is still the given message, for the partition's owner (fencedLua); a record behind
 * is uncounted. KEYS (after the token's): hash, hash of records behind, the charger's queued count; ARGV (after the
 * token): identity, the record's field, the message id as it appears in the record (`"id":"<id>"`: ids are random, so
 * a plain search is exact enough and spares decoding the whole message), '1' when the message is finished and its
 * charger's queued count drops (FinishedMessages.redisKey), whether or not its record was still there.
 */
const RELEASE = `if ARGV[5] == '1' then
${addQueuedLua('KEYS[4]', '-1')}
end
local v = redis.call('HGET', KEYS[2], ARGV[3])
if not v or not string.find(v, ARGV[4], 1, true) then return 0 end
redis.call('HDEL', KEYS[2], ARGV[3])
if ARGV[3] ~= ARGV[2] and redis.call('HINCRBY', KEYS[3], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
return 1`;

/**
 * Rewrites an in-flight record if it is still the given message, for the partition's owner (fencedLua).
 * KEYS (after the token's): hash; ARGV (after the token): the record's field, the message id as in RELEASE, the
 * message as JSON.
 */
const UPDATE = `local v = redis.call('HGET', KEYS[2], ARGV[2])
if v and string.find(v, ARGV[3], 1, true) then return redis.call('HSET', KEYS[2], ARGV[2], ARGV[4]) end
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
  behind: string,
  sequence: string,
  instanceId: string,
  identity: string,
  job: string,
  jobKeyPrefix: string,
  token: string,
  claimBehind: string,
];
type FencedRecordCommand<Keys extends string[], Args extends string[]> = (
  fence: Fence | undefined,
  keys: Keys,
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
  /** Its field in the partition's hash: the identity (the charger's head record) or a record behind it (CLAIM). */
  field: string;
}

/**
 * The record of a claimed message: the job as JSON with `replyTo`, the claiming instance, first. Built as text, so the
 * job is not copied per message; `id` stays a top-level field, which RELEASE and UPDATE compare.
 */
export function recordOf(job: UpstreamJob, instanceId: string): string {
  return `{"replyTo":${JSON.stringify(instanceId)},${JSON.stringify(job).slice(1)}`;
}

/** A record read back: the job as it was claimed, and who claimed it. */
export function parseRecord(json: string, field: string): RecordedMessage {
  const { replyTo, ...job } = JSON.parse(json) as UpstreamJob & { replyTo?: string };
  return { job: withRoute(job), replyTo, field };
}

/** How RELEASE and UPDATE find a message's id in its record (recordOf). */
const idNeedle = (job: UpstreamJob) => `"id":${JSON.stringify(job.id)}`;

/** A record behind its charger's head: `identity NUL n`; n orders a charger's records behind (CLAIM). */
const sequenceOf = (field: string, identity: string) =>
  field.length === identity.length ? 0 : Number(field.slice(identity.length + 1));

/**
 * Records oldest arrival first, and each charger's own in the order they were claimed: its head record, then those
 * behind it by sequence. Arrival times alone can tie within a millisecond, so a charger's records keep their places
 * in the arrival order and are put in claim order among those places.
 */
export function inClaimOrder(records: RecordedMessage[]): RecordedMessage[] {
  const byArrival = [...records].sort((a, b) => compareText(a.job.receivedAt, b.job.receivedAt));
  const places = new Map<string, number[]>();
  byArrival.forEach((r, i) => {
    const list = places.get(r.job.identity);
    if (list) list.push(i);
    else places.set(r.job.identity, [i]);
  });
  const out = byArrival.slice();
  for (const [identity, at] of places) {
    if (at.length < 2) continue;
    const chain = at
      .map((i) => byArrival[i]!)
      .sort((a, b) => sequenceOf(a.field, identity) - sequenceOf(b.field, identity));
    for (const [k, i] of at.entries()) out[i] = chain[k]!;
  }
  return out;
}

/**
 * Messages delivered directly by their partition's consumer, recorded in Redis for as long as they are in flight:
 * `<prefix>:inflight:p<n>`, a hash of identity -> record (recordOf) for each charger's oldest, and `identity NUL n`
 * -> record for the messages its consumer claimed behind it (counted per charger in `<prefix>:inflight-behind:p<n>`,
 * n from `<prefix>:inflight-seq:p<n>`). A record
 * outlives the instance that made it: the partition's next consumer finds it and delivers the message (recover), and
 * the outcome goes to the instance that claimed it, where the charger's request may still wait
 * (docs/architecture.md#direct-delivery).
 */
export class InflightRecords {
  private readonly claimCommand: (...args: ClaimArgs) => Promise<unknown>;
  private readonly releaseCommand: FencedRecordCommand<
    [inflight: string, behind: string, queued: string],
    [identity: string, field: string, id: string, finished: string]
  >;
  private readonly updateCommand: FencedRecordCommand<[inflight: string], [field: string, id: string, job: string]>;
  /** Claims and releases go out with the registry's writes of the same turn (see writeCoalescer). */
  private readonly coalesce: () => void;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.claimCommand = luaCommand<ClaimArgs>(redis, 10, CLAIM);
    this.releaseCommand = fencedCommand(redis, 3, RELEASE, `${prefix}:unfenced`);
    this.updateCommand = fencedCommand(redis, 1, UPDATE, `${prefix}:unfenced`);
    this.coalesce = writeCoalescer(redis);
  }

  key(partition: number): string {
    return `${this.prefix}:inflight:p${partition}`;
  }

  private behindKey(partition: number): string {
    return `${this.prefix}:inflight-behind:p${partition}`;
  }

  /**
   * The field the message is now recorded under, when this instance is to deliver it itself; undefined when it was
   * not claimed. `marks`: the charger's job marks (ChargerJobs.key); `token`: this instance's fencing token of the
   * partition; `behind`: this instance is delivering the charger's earlier records, and the message goes behind them.
   */
  async claim(
    partition: number,
    keys: PartitionKeys,
    marks: string,
    instanceId: string,
    job: UpstreamJob,
    token: number,
    behind = false,
  ): Promise<string | undefined> {
    this.coalesce();
    const field = await this.claimCommand(
      keys.lease,
      this.key(partition),
      marks,
      keys.marksComplete,
      keys.wait,
      keys.active,
      keys.delayed,
      keys.fence,
      this.behindKey(partition),
      `${this.prefix}:inflight-seq:p${partition}`,
      instanceId,
      job.identity,
      recordOf(job, instanceId),
      keys.jobPrefix,
      String(token),
      behind ? '1' : '0',
    );
    return typeof field === 'string' ? field : undefined;
  }

  /**
   * The record of a message still in flight, rewritten (it was acknowledged to its charger meanwhile). `fence`: the
   * partition's token here; a stale one is refused (FencedOut), so that a record a newer owner handled is not revived.
   * `replyTo`: the instance that claimed it; `field`: where it is recorded (claim).
   */
  async update(
    partition: number,
    job: UpstreamJob,
    replyTo: string,
    fence: Fence | undefined,
    field = job.identity,
  ): Promise<void> {
    this.coalesce();
    await this.updateCommand(fence, [this.key(partition)], [field, idNeedle(job), recordOf(job, replyTo)]);
  }

  /**
   * The message is delivered (or handed to the queue): its record goes, unless the fence is stale (FencedOut): the
   * record is then the newer owner's, which may be delivering it now. `queuedKey`: the message is finished, and its
   * charger's queued count at that key drops in the same call.
   */
  async release(
    partition: number,
    job: UpstreamJob,
    fence: Fence | undefined,
    field = job.identity,
    queuedKey?: string,
  ): Promise<void> {
    this.coalesce();
    await this.releaseCommand(
      fence,
      [this.key(partition), this.behindKey(partition), queuedKey ?? this.key(partition)],
      [job.identity, field, idNeedle(job), queuedKey === undefined ? '' : '1'],
    );
  }

  /** Every message recorded in a partition (left by an instance that stopped or died), in claim order (inClaimOrder). */
  async list(partition: number): Promise<RecordedMessage[]> {
    const hash = await this.redis.hgetall(this.key(partition));
    return inClaimOrder(Object.entries(hash).map(([field, json]) => parseRecord(json, field)));
  }
}
