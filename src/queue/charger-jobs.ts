import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { luaCommand } from '../util/lua-command.js';
import { type BatchJobData, messagesOf } from './batch.js';

/**
 * Lua, for the scripts that read a charger's marks (MARK here, the claim in inflight.ts): `oldestUnfinished(marks,
 * jobPrefix)` drops the oldest marks whose jobs are finished, gone (completed jobs are removed, removeOnComplete 0) or
 * failed for good (stamped `finishedOn`), and returns the id of the oldest unfinished job, or nil. It stops there: a
 * charger's jobs finish about in order, so a backlog of jobs is not read through each time.
 */
export const OLDEST_UNFINISHED_LUA = `local function oldestUnfinished(marks, jobPrefix)
  while true do
    local oldest = redis.call('ZRANGE', marks, 0, 0)[1]
    if not oldest then return nil end
    local job = jobPrefix .. oldest
    if redis.call('EXISTS', job) == 1 and redis.call('HEXISTS', job, 'finishedOn') == 0 then return oldest end
    redis.call('ZREM', marks, oldest)
  end
end`;

/**
 * Names a BullMQ job (ARGV[1]) in the marks of the chargers whose messages it carries (KEYS), scored with Redis's
 * clock so that a charger's marks read oldest first, after dropping the marks of finished jobs ahead of it. ARGV[2]
 * is the prefix of the partition's job keys.
 */
const MARK = `${OLDEST_UNFINISHED_LUA}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  oldestUnfinished(KEYS[i], ARGV[2])
  redis.call('ZADD', KEYS[i], now, ARGV[1])
end
return #KEYS`;

/**
 * Which of the given chargers (KEYS: their marks) have an unfinished job older than the job ARGV[1] (ARGV[2]: the
 * partition's job key prefix): 1 for each such charger, else 0. The consumer runs a charger's messages only from its
 * oldest unfinished job, which keeps the charger's order when a job comes back out of order (a stalled job of an
 * instance that died, one left by a stopping instance).
 */
const OLDER = `${OLDEST_UNFINISHED_LUA}
local out = {}
for i = 1, #KEYS do
  local oldest = oldestUnfinished(KEYS[i], ARGV[2])
  if oldest and oldest ~= ARGV[1] then out[i] = 1 else out[i] = 0 end
end
return out`;

/**
 * Per charger, the BullMQ jobs that hold a message of it: `<prefix>:charger-jobs:p<n>:<identity>`, a sorted set of
 * job ids, oldest first.
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
  private readonly olderCommand: (...args: string[]) => Promise<unknown>;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.markCommand = luaCommand<string[]>(redis, undefined, MARK);
    this.olderCommand = luaCommand<string[]>(redis, undefined, OLDER);
  }

  key(partition: number, identity: string): string {
    return `${this.prefix}:charger-jobs:p${partition}:${identity}`;
  }

  /**
   * Set once every job of the partition is known to be marked (by new writers, and `markExisting` for the rest).
   * Outside the chargers' keys, so that no identity can name it.
   */
  completeKey(partition: number): string {
    return `${this.prefix}:charger-jobs-complete:p${partition}`;
  }

  /** Once a job is added: it holds messages of these chargers. `jobPrefix`: the partition's job keys' prefix. */
  async mark(partition: number, identities: Iterable<string>, jobId: string, jobPrefix: string): Promise<void> {
    const keys = [...new Set(identities)].map((identity) => this.key(partition, identity));
    await this.markCommand(String(keys.length), ...keys, jobId, jobPrefix);
  }

  /** The chargers among `identities` that have an unfinished job older than `jobId`: their messages must wait. */
  async blocked(
    partition: number,
    identities: readonly string[],
    jobId: string,
    jobPrefix: string,
  ): Promise<Set<string>> {
    if (identities.length === 0) return new Set();
    const flags = (await this.olderCommand(
      String(identities.length),
      ...identities.map((id) => this.key(partition, id)),
      jobId,
      jobPrefix,
    )) as number[];
    return new Set(identities.filter((_, i) => flags[i] === 1));
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
      // Scored 0: older than any mark made since, which is what they are.
      for (const identity of new Set(job.identities)) pipeline.zadd(this.key(partition, identity), 0, job.id);
    }
    pipeline.set(this.completeKey(partition), '1');
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    return found.length;
  }
}

/** A partition queue's unfinished jobs with the chargers of each (ChargerJobs.markExisting's `jobs`). */
export async function unfinishedJobs(queue: Queue): Promise<{ id: string; identities: string[] }[]> {
  return (await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized']))
    .filter((job) => job?.id)
    .map((job) => ({ id: job.id!, identities: messagesOf(job.data as BatchJobData).map((m) => m.identity) }));
}
