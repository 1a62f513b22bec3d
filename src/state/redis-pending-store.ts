import type { Redis } from 'ioredis';
import type { Logger } from '../util/log.js';
import { mirrorWithNotices } from '../util/redis-notices.js';
import type { Decision, Knock, PendingRecord, PendingStore } from './pending-chargers.js';

/**
 * KEYS: pending hash, last-heard sorted set, dropped counter, decisions hash. ARGV: bound, knocks as a JSON array.
 * Merges each knock as mergeKnock does (an identity with a decision is skipped), then forgets the least recently
 * heard beyond the bound. Returns how many were dropped.
 */
const RECORD = `local max = tonumber(ARGV[1])
for _, k in ipairs(cjson.decode(ARGV[2])) do
  if redis.call('HEXISTS', KEYS[4], k.identity) == 0 then
    local old = redis.call('HGET', KEYS[1], k.identity)
    local e = k
    if old then
      e = cjson.decode(old)
      if k.first < e.first then e.first = k.first end
      e.count = e.count + k.count
      if k.last >= e.last then
        e.last = k.last
        e.address = k.address
        e.dialect = k.dialect
      end
      if k.vendor then
        e.vendor = k.vendor
        e.model = k.model
      end
    end
    redis.call('HSET', KEYS[1], k.identity, cjson.encode(e))
    redis.call('ZADD', KEYS[2], e.last, k.identity)
  end
end
local over = redis.call('ZCARD', KEYS[2]) - max
local dropped = tonumber(ARGV[3])
if over > 0 then
  local gone = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #gone, 2 do redis.call('HDEL', KEYS[1], gone[i]) end
  dropped = dropped + over
end
if dropped > 0 then redis.call('INCRBY', KEYS[3], dropped) end
return dropped`;

/** How often every instance reads all decisions again, besides the change notices. */
const RELOAD_DECISIONS_MS = 30_000;

/**
 * Pending chargers in Redis, shared by every instance (docs/operations.md#onboarding-chargers):
 *   <prefix>:pending             hash, identity -> PendingRecord as JSON
 *   <prefix>:pending-heard       sorted set, identity by when it was last heard (the least recent is dropped first)
 *   <prefix>:pending-dropped     count of identities dropped beyond the bound
 *   <prefix>:pending-decisions   hash, identity -> Decision as JSON; changes announced on <prefix>:pending-decided
 * Every instance keeps all decisions in memory (read per message of an unlisted identity), updated by the notices
 * within a moment and read again every 30 s.
 */
export class RedisPendingStore implements PendingStore {
  private readonly decided = new Map<string, Decision>();
  private mirror?: { close(): void };

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly max: number,
    private readonly logger: Logger,
  ) {}

  static async open(redis: Redis, prefix: string, max: number, logger: Logger): Promise<RedisPendingStore> {
    const store = new RedisPendingStore(redis, prefix, max, logger);
    store.mirror = await mirrorWithNotices(
      redis,
      store.key('pending-decided'),
      { notice: (identity) => void store.reloadOne(identity), reload: () => store.reloadAll() },
      RELOAD_DECISIONS_MS,
    );
    return store;
  }

  private key(kind: string): string {
    return `${this.prefix}:${kind}`;
  }

  private async reloadAll(): Promise<void> {
    try {
      const all = await this.redis.hgetall(this.key('pending-decisions'));
      this.decided.clear();
      for (const [identity, json] of Object.entries(all)) this.decided.set(identity, JSON.parse(json) as Decision);
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message },
        'could not read the pending-charger decisions from Redis; the last ones read stay in use',
      );
    }
  }

  /** A change notice: only the identity it names is read again. */
  private async reloadOne(identity: string): Promise<void> {
    try {
      const json = await this.redis.hget(this.key('pending-decisions'), identity);
      if (json === null) this.decided.delete(identity);
      else this.decided.set(identity, JSON.parse(json) as Decision);
    } catch {
      // Read again with all the others within RELOAD_DECISIONS_MS.
    }
  }

  decision(identity: string): Decision | undefined {
    return this.decided.get(identity);
  }

  decisions(kind: Decision['kind']): Decision[] {
    return [...this.decided.values()].filter((d) => d.kind === kind);
  }

  async record(knocks: Knock[], alsoDropped = 0): Promise<number> {
    const dropped = await this.redis.eval(
      RECORD,
      4,
      this.key('pending'),
      this.key('pending-heard'),
      this.key('pending-dropped'),
      this.key('pending-decisions'),
      this.max,
      JSON.stringify(knocks),
      alsoDropped,
    );
    return Number(dropped);
  }

  async list(): Promise<{ pending: PendingRecord[]; dropped: number }> {
    const [all, dropped] = await Promise.all([
      this.redis.hgetall(this.key('pending')),
      this.redis.get(this.key('pending-dropped')),
    ]);
    const pending = Object.values(all)
      .map((json) => JSON.parse(json) as PendingRecord)
      .sort((a, b) => b.last - a.last);
    return { pending, dropped: Number(dropped ?? 0) };
  }

  async pending(identity: string): Promise<PendingRecord | undefined> {
    const json = await this.redis.hget(this.key('pending'), identity);
    return json === null ? undefined : (JSON.parse(json) as PendingRecord);
  }

  size(): Promise<number> {
    return this.redis.zcard(this.key('pending-heard'));
  }

  async decide(decision: Decision): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key('pending-decisions'), decision.identity, JSON.stringify(decision))
      .hdel(this.key('pending'), decision.identity)
      .zrem(this.key('pending-heard'), decision.identity)
      .exec();
    this.decided.set(decision.identity, decision);
    await this.redis.publish(this.key('pending-decided'), decision.identity);
  }

  async forget(identity: string, kind: Decision['kind']): Promise<boolean> {
    const json = await this.redis.hget(this.key('pending-decisions'), identity);
    if (json === null || (JSON.parse(json) as Decision).kind !== kind) return false;
    await this.redis.hdel(this.key('pending-decisions'), identity);
    this.decided.delete(identity);
    await this.redis.publish(this.key('pending-decided'), identity);
    return true;
  }

  async close(): Promise<void> {
    this.mirror?.close();
  }
}
