import type { Redis } from 'ioredis';
import { luaCommand } from '../util/lua-command.js';

/**
 * Moves the jobs of a partition's active list whose lock is gone back to the head of its wait list, and wakes its
 * worker (BullMQ's marker). KEYS: active list, wait list, marker; ARGV: the prefix of the partition's job keys.
 * A job holds a lock from the moment it is active until it finishes, renewed by its worker: only a job whose worker
 * died (or froze past the lock) has none. This is BullMQ's stalled-job move in one pass, so that it does not take
 * two stalled checks after the partition changed hands.
 */
const RECLAIM = `local moved = 0
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', ARGV[1] .. id .. ':lock') == 0 and redis.call('LREM', KEYS[1], 1, id) > 0 then
    redis.call('RPUSH', KEYS[2], id)
    moved = moved + 1
  end
end
if moved > 0 then redis.call('ZADD', KEYS[3], 0, '0') end
return moved`;

type ReclaimArgs = [active: string, wait: string, marker: string, jobPrefix: string];

/**
 * Takeover of a partition whose previous consumer died (docs/architecture.md#scale-out): its in-flight job goes back to
 * the queue as soon as its lock lapses, which (locks lasting the lease time) is within the lease time of the death,
 * rather than after BullMQ's stalled-job check. Swept when the partition is acquired and then every `everyMs` until
 * `forMs` has passed (a lock may outlive the lease by a renewal).
 */
export class Takeover {
  private readonly reclaim: (...args: ReclaimArgs) => Promise<unknown>;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(redis: Redis) {
    this.reclaim = luaCommand<ReclaimArgs>(redis, 'ocppgwReclaimActive', 3, RECLAIM);
  }

  /** Starts sweeping partition `p`; `moved` is told how many jobs each sweep returned to the queue. */
  start(
    p: number,
    keys: { active: string; wait: string; marker: string; jobPrefix: string },
    timing: { everyMs: number; forMs: number },
    moved: (count: number) => void,
  ): void {
    this.stop(p);
    const until = Date.now() + timing.forMs;
    const sweep = () => {
      this.reclaim(keys.active, keys.wait, keys.marker, keys.jobPrefix).then(
        (count) => Number(count) > 0 && moved(Number(count)),
        () => undefined, // Redis away: the next sweep, or BullMQ's stalled check, moves them
      );
      if (Date.now() >= until) this.stop(p);
    };
    sweep();
    const timer = setInterval(sweep, timing.everyMs);
    timer.unref();
    this.timers.set(p, timer);
  }

  stop(p: number): void {
    clearInterval(this.timers.get(p));
    this.timers.delete(p);
  }

  stopAll(): void {
    for (const p of [...this.timers.keys()]) this.stop(p);
  }
}
