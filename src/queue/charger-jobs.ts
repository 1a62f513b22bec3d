import type { Redis } from 'ioredis';
import { luaCommand } from '../util/lua-command.js';

/**
 * Names a BullMQ job (ARGV[1]) in the marks of the chargers whose messages it carries (KEYS), and drops from those
 * marks the jobs that are gone (completed jobs are removed, removeOnComplete 0) or failed for good (stamped
 * `finishedOn`); ARGV[2] is the prefix of the partition's job keys. A charger's marks thus hold its unfinished jobs
 * and at most the one finished since, whichever instance added them.
 */
const MARK = `for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 0, ARGV[1])
  for _, id in ipairs(redis.call('ZRANGE', KEYS[i], 0, -1)) do
    local job = ARGV[2] .. id
    if id ~= ARGV[1] and (redis.call('EXISTS', job) == 0 or redis.call('HEXISTS', job, 'finishedOn') == 1) then
      redis.call('ZREM', KEYS[i], id)
    end
  end
end
return #KEYS`;

/**
 * Per charger, the BullMQ jobs that hold a message of it: `<prefix>:charger-jobs:p<n>:<identity>`, a set of job ids.
 * It is what lets direct delivery go per charger (see BullmqQueue): a charger's message may skip BullMQ only when no
 * job of the same charger is unfinished.
 *
 * Nothing here counts, so nothing can drift (a message delivered twice after a crash would count down twice): a job
 * is named right after it is added, and whether a named job is unfinished is read from the job itself, by the claim
 * (inflight.ts) and by the next mark, which both drop the names of finished jobs. A job is marked after its add, not
 * before: a mark made first would name a job that may not exist yet, and could not be told from one already finished.
 * Until the mark is written the message is not acknowledged to the charger (it counts as queued only after both), and
 * the instance that added it claims nothing of the charger meanwhile. A partition whose jobs were written before
 * marks existed is marked once by its consumer (`markExisting`); until then the claim needs the whole partition's
 * queue empty.
 */
export class ChargerJobs {
  private readonly markCommand: (...args: string[]) => Promise<unknown>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.markCommand = luaCommand<string[]>(redis, 'ocppgwMarkChargerJobs', undefined, MARK);
  }

  key(partition: number, identity: string): string {
    return `${this.prefix}:charger-jobs:p${partition}:${identity}`;
  }

  /** Set once every job of the partition is known to be marked (by new writers, and `markExisting` for the rest). */
  completeKey(partition: number): string {
    return `${this.prefix}:charger-jobs:p${partition}:complete`;
  }

  /** Once a job is added: it holds messages of these chargers. `jobPrefix`: the partition's job keys' prefix. */
  async mark(partition: number, identities: Iterable<string>, jobId: string, jobPrefix: string): Promise<void> {
    const keys = [...new Set(identities)].map((identity) => this.key(partition, identity));
    await this.markCommand(String(keys.length), ...keys, jobId, jobPrefix);
  }

  /** The charger no longer has messages in this job (an operator dropped them). */
  async unmark(partition: number, identity: string, jobId: string): Promise<void> {
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
      for (const identity of new Set(job.identities)) pipeline.zadd(this.key(partition, identity), 0, job.id);
    }
    pipeline.set(this.completeKey(partition), '1');
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    return found.length;
  }
}
