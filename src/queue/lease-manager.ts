import type { Redis } from 'ioredis';
import type { Logger } from '../util/log.js';
import type { Fence } from '../util/lua-command.js';

export interface LeaseOptions {
  redis: Redis;
  prefix: string;
  instanceId: string;
  partitions: number;
  /**
   * A lease not renewed for this long is free for another instance (the bound on takeover,
   * docs/architecture.md#scale-out).
   */
  ttlMs: number;
  /** How often leases are renewed and free partitions looked for. */
  renewMs: number;
  logger: Logger;
  onAcquire(partition: number): Promise<void>;
  /**
   * The partition is no longer consumed here: `lost` when another instance holds it (this one was cut off or frozen,
   * or a fenced write was refused), else it is being handed back and is still this instance's until this resolves.
   */
  onRelease(partition: number, lost: boolean): Promise<void>;
  /**
   * The lease had lapsed with no other owner (Redis was away, or this instance was paused) and was taken again under a
   * new token, or it was renewed after this instance had stopped counting it valid (a failover slower than the lease,
   * whose new primary kept the key): what this instance's work left undelivered meanwhile is picked up.
   */
  onRetaken?(partition: number): Promise<void>;
}

/** Renew only if still ours; returns 1 when renewed. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/**
 * Take a free lease (KEYS[1]) and draw the next fencing token of its partition (KEYS[2], never reset): returns the
 * token, or 0 when the lease is held.
 */
const ACQUIRE = `if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return redis.call('INCR', KEYS[2]) end
return 0`;
/** Delete only if still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Partition leases in Redis (docs/architecture.md#scale-out): an instance consumes a partition only while it holds the
 * lease `<prefix>:lease:p<n>`. Live instances announce themselves in `<prefix>:instances`; each takes at most its
 * fair share (ceil(partitions / live instances)) and gives back extras, so a second instance gets work and a dead
 * instance's partitions are taken over within ttlMs + renewMs.
 */
export class LeaseManager {
  private readonly held = new Set<number>();
  /**
   * Per held partition, until when (performance.now()) the lease is known to be ours: the start of its last
   * successful renewal plus 90% of the TTL. The Redis key lives at least that long, so an instance that resumes after
   * a freeze (GC pause, VM stall, SIGSTOP) sees its lease lapsed before it delivers anything, whatever its timers
   * and sockets do first (docs/architecture.md#fencing).
   */
  private readonly validUntil = new Map<number, number>();
  /** Per held partition, the fencing token drawn when this instance took it (docs/architecture.md#fencing). */
  private readonly tokens = new Map<number, number>();
  /**
   * Partitions given up (handed back or lost) whose work here has not ended yet, with the token they were held
   * under: writes of that work stay conditional on it, so a stale one is refused rather than made unconditionally.
   */
  private readonly draining = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: LeaseOptions) {}

  get partitions(): ReadonlySet<number> {
    return this.held;
  }

  /** The fencing token of partition p's current holding by this instance (0: not held). */
  token(p: number): number {
    return this.held.has(p) ? (this.tokens.get(p) ?? 0) : 0;
  }

  /** The key of partition p's fencing token: every owner's conditional write compares it with its own. */
  fenceKey(p: number): string {
    return `${this.o.prefix}:fence:p${p}`;
  }

  /**
   * What partition p's owner writes are conditional on (docs/architecture.md#fencing): the token of this instance's
   * holding, also while work of a holding it gave up is still ending; undefined when this instance neither holds nor
   * drains it (its writes then are not an owner's).
   */
  fence(p: number): Fence | undefined {
    const token = this.held.has(p) ? this.tokens.get(p) : this.draining.get(p);
    if (token === undefined) return undefined;
    return { key: this.fenceKey(p), token, refused: () => this.stepBack(p, token) };
  }

  /**
   * A write conditional on `token` was refused: a newer owner holds partition p. This instance stops consuming it at
   * once (nothing more is delivered: fresh() is false from now on) and says so once.
   */
  private stepBack(p: number, token: number): void {
    if (!this.held.has(p) || this.tokens.get(p) !== token) return;
    this.o.logger.warn(
      { partition: p, token },
      'a write conditional on this partition lease was refused: another instance owns it now; stepping back',
    );
    this.held.delete(p);
    this.validUntil.delete(p);
    this.running = this.running
      .then(() => this.drain(p, token, true))
      .catch((err: unknown) => this.o.logger.warn({ err: (err as Error).message, partition: p }, 'step back failed'));
  }

  /** Runs onRelease while the partition's writes stay conditional on the token it was held under. */
  private async drain(p: number, token: number, lost: boolean): Promise<void> {
    this.draining.set(p, token);
    try {
      await this.o.onRelease(p, lost);
    } finally {
      if (this.draining.get(p) === token) this.draining.delete(p);
    }
  }

  /** Takes partition p's lease if it is free: true, with a new fencing token, when taken. */
  private async acquire(p: number): Promise<boolean> {
    const sentAt = performance.now();
    const token = Number(
      await this.o.redis.eval(ACQUIRE, 2, this.key(p), this.fenceKey(p), this.o.instanceId, this.o.ttlMs),
    );
    if (token === 0) return false;
    this.tokens.set(p, token);
    this.renewed(p, sentAt);
    return true;
  }

  /** Whether this instance may still act as partition p's owner (see validUntil). */
  fresh(p: number): boolean {
    return this.held.has(p) && performance.now() < (this.validUntil.get(p) ?? 0);
  }

  private renewed(p: number, sentAt: number): void {
    this.validUntil.set(p, sentAt + 0.9 * this.o.ttlMs);
  }

  /** The lease key of partition p (its value is the owner's instance id). */
  key(p: number): string {
    return `${this.o.prefix}:lease:p${p}`;
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => {
      this.running = this.running
        .then(() => this.tick())
        .catch((err: unknown) => this.o.logger.warn({ err: (err as Error).message }, 'lease round failed'));
    }, this.o.renewMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const { redis, ttlMs, instanceId } = this.o;
    const now = Date.now();
    const instancesKey = `${this.o.prefix}:instances`;
    await redis
      .multi()
      .zadd(instancesKey, now, instanceId)
      .zremrangebyscore(instancesKey, 0, now - ttlMs)
      .exec();
    const live = Math.max(1, await redis.zcard(instancesKey));
    const fairShare = Math.ceil(this.o.partitions / live);

    for (const p of [...this.held]) {
      const sentAt = performance.now();
      if (((await redis.eval(RENEW, 1, this.key(p), instanceId, ttlMs)) as number) === 1) {
        const lapsed = !this.fresh(p);
        this.renewed(p, sentAt);
        if (lapsed) {
          // Still ours, so nothing else delivered meanwhile; what was refused while the lease was unknown is now due.
          this.o.logger.info({ partition: p }, 'partition lease renewed after it had lapsed here: resuming');
          await this.o.onRetaken?.(p);
        }
        continue;
      }
      // The key is gone (Redis restarted, or a renewal was missed) or someone else holds it. Gone: take it again
      // and keep consuming; only another owner means this instance must stop.
      if (await this.acquire(p)) {
        this.o.logger.info({ partition: p }, 'partition lease had expired with no other owner: taken again');
        await this.o.onRetaken?.(p);
        continue;
      }
      this.o.logger.warn({ partition: p }, 'partition lease lost: another instance owns it now');
      this.held.delete(p);
      await this.drain(p, this.tokens.get(p) ?? 0, true);
    }
    // Give back partitions above the fair share so that a newly started instance gets some.
    while (this.held.size > fairShare) {
      const p = Math.max(...this.held);
      await this.release(p);
    }
    for (let p = 0; p < this.o.partitions && this.held.size < fairShare && !this.stopped; p++) {
      if (this.held.has(p)) continue;
      if (await this.acquire(p)) {
        this.held.add(p);
        this.o.logger.info({ partition: p }, 'partition lease acquired');
        await this.o.onAcquire(p);
      }
    }
  }

  private async release(p: number): Promise<void> {
    this.held.delete(p);
    await this.drain(p, this.tokens.get(p) ?? 0, false);
    await this.o.redis.eval(RELEASE, 1, this.key(p), this.o.instanceId);
    this.o.logger.info({ partition: p }, 'partition lease released');
  }

  /** Graceful stop: stop consuming, hand every lease back at once, leave the instance list. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    for (const p of [...this.held]) await this.release(p);
    await this.o.redis.zrem(`${this.o.prefix}:instances`, this.o.instanceId);
  }
}
