import type { Redis } from 'ioredis';
import { fencedCommand, type Fence } from '../util/lua-command.js';

/**
 * Moves the jobs of a partition's active list whose lock is gone back to the head of its wait list, and wakes its
 * worker (BullMQ's marker), if the sweeping instance still holds the partition's fencing token (fencedLua).
 * KEYS (after the token's): active list, wait list, marker; ARGV (after the token): the prefix of the job keys.
 * A job holds a lock from the moment it is active until it finishes, renewed by its worker: only a job whose worker
 * died (or froze past the lock) has none. This is BullMQ's stalled-job move in one pass, so that it does not take
 * two stalled checks after the partition changed hands.
 */
const RECLAIM = `local moved = 0
for _, id in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', ARGV[2] .. id .. ':lock') == 0 and redis.call('LREM', KEYS[2], 1, id) > 0 then
    redis.call('RPUSH', KEYS[3], id)
    moved = moved + 1
  end
end
if moved > 0 then redis.call('ZADD', KEYS[4], 0, '0') end
return moved`;

/**
 * Takeover of a partition whose previous consumer died (docs/architecture.md#scale-out): its in-flight job goes back to
 * the queue as soon as its lock lapses, which (locks lasting the lease time) is within the lease time of the death,
 * rather than after BullMQ's stalled-job check. Swept when the partition is acquired and then every `everyMs` until
 * `forMs` has passed (a lock may outlive the lease by a renewal).
 */
export class Takeover {
  private readonly reclaim: (
    fence: Fence | undefined,
    keys: [active: string, wait: string, marker: string],
    args: [jobPrefix: string],
  ) => Promise<unknown>;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(redis: Redis) {
    this.reclaim = fencedCommand(redis, 3, RECLAIM, 'unfenced');
  }

  /**
   * Starts sweeping partition `p` while this instance holds it (`fence`: the partition's token here, undefined once
   * given up); `moved` is told how many jobs each sweep returned to the queue.
   */
  start(
    p: number,
    keys: { active: string; wait: string; marker: string; jobPrefix: string },
    fence: () => Fence | undefined,
    timing: { everyMs: number; forMs: number },
    moved: (count: number) => void,
  ): void {
    this.stop(p);
    const until = Date.now() + timing.forMs;
    const sweep = () => {
      const held = fence();
      if (!held || Date.now() >= until) this.stop(p);
      if (!held) return;
      this.reclaim(held, [keys.active, keys.wait, keys.marker], [keys.jobPrefix]).then(
        (count) => Number(count) > 0 && moved(Number(count)),
        // Refused: a newer owner holds the partition (this instance steps back); else Redis is away, and the next
        // sweep, or BullMQ's stalled check, moves them.
        () => undefined,
      );
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
