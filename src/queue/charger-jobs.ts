import type { Redis } from 'ioredis';
import { luaCommand } from '../util/lua-command.js';
import { writeCoalescer } from '../util/write-coalescer.js';

/**
 * Names each BullMQ job (ARGV[1]) in the marks of the chargers whose messages it carries (KEYS), scored with Redis's
 * own clock in milliseconds (the claim compares against the same clock, whatever the instances' clocks say).
 */
const MARK = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do redis.call('ZADD', KEYS[i], now, ARGV[1]) end
return #KEYS`;

/**
 * How long a mark whose job does not exist still counts as a job on its way. Such a mark is either of a job whose
 * add has not executed yet (an instance marks before it adds) or left by an instance that died between the two.
 * Longer than any charger waits for its answer (CSMS_TIMEOUT_MS is at most 120 s): a message whose mark is older and
 * whose job is still not in Redis was answered as not queued, so the charger does not count on its order.
 */
export const MARK_PENDING_MS = 10 * 60 * 1000;

/**
 * Per charger, the BullMQ jobs that hold a message of it and have not finished: `<prefix>:charger-jobs:p<n>:<identity>`,
 * a sorted set of job ids scored by when they were marked. It is what lets direct delivery go per charger (see
 * BullmqQueue): a charger's message may skip BullMQ only when no job of the same charger is still ahead of it.
 *
 * Kept without counters, so that nothing can drift: a job is named before it is added (MARK), its name is removed
 * when the charger's messages in it are done (`unmark`, idempotent: a job run twice after a crash removes the same
 * member twice), and the claim itself (inflight.ts) drops names whose job has finished or never came. A partition
 * whose jobs were written before marks existed is marked once by its consumer (`markExisting`), and until then the
 * claim falls back to the whole partition's queue being empty.
 */
export class ChargerJobs {
  private readonly markCommand: (...args: string[]) => Promise<unknown>;
  /** Unmarks go out with the registry's writes of the same turn (see writeCoalescer). */
  private readonly coalesce: () => void;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.markCommand = luaCommand<string[]>(redis, 'ocppgwMarkChargerJobs', undefined, MARK);
    this.coalesce = writeCoalescer(redis);
  }

  key(partition: number, identity: string): string {
    return `${this.prefix}:charger-jobs:p${partition}:${identity}`;
  }

  /** Set once every job of the partition is known to be marked (by new writers, and `markExisting` for the rest). */
  completeKey(partition: number): string {
    return `${this.prefix}:charger-jobs:p${partition}:complete`;
  }

  /** Before a job is added: it holds messages of these chargers. */
  async mark(partition: number, identities: Iterable<string>, jobId: string): Promise<void> {
    const keys = [...new Set(identities)].map((identity) => this.key(partition, identity));
    await this.markCommand(String(keys.length), ...keys, jobId);
  }

  /** The charger's messages in this job are done (delivered, or answered for good). */
  async unmark(partition: number, identity: string, jobId: string): Promise<void> {
    this.coalesce();
    await this.redis.zrem(this.key(partition, identity), jobId);
  }

  /**
   * Marks the jobs already in a partition's queue (written by a version without marks, or while marks were lost),
   * then records that the partition is complete. Skipped when it already is. `jobs` lists the queue's unfinished jobs
   * with the chargers of each. Resolves with how many jobs it marked.
   */
  async markExisting(partition: number, jobs: () => Promise<{ id: string; identities: string[] }[]>): Promise<number> {
    if ((await this.redis.exists(this.completeKey(partition))) === 1) return 0;
    const found = await jobs();
    const pipeline = this.redis.pipeline();
    for (const job of found) {
      // Scored 0: these jobs were seen in Redis, so once one is gone it is finished, with no add still to come.
      for (const identity of new Set(job.identities)) pipeline.zadd(this.key(partition, identity), 0, job.id);
    }
    pipeline.set(this.completeKey(partition), '1');
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    return found.length;
  }
}
