import type { Redis } from 'ioredis';

const holders = new WeakMap<Redis, () => void>();

/**
 * For a connection, a function to call before sending a command on it: the connection's socket then holds its writes
 * until the end of this turn of the event loop (cork), and sends everything issued meanwhile in one write (uncork in
 * setImmediate, after the I/O callbacks of this turn, as ioredis's auto-pipelining schedules its flush).
 *
 * Why not ioredis's `enableAutoPipelining` (bench/README.md, heap profiles): it did the batching, but made a pipeline
 * object
 * with a promise per command and kept about 10 KB per message alive long enough to be promoted to the old generation;
 * the mark-compacts that followed were the Redis mode's p99 at half load. Corking batches the same writes with no
 * objects of its own. Commands sent while the connection is not ready go to ioredis's offline queue, untouched.
 */
export function writeCoalescer(redis: Redis): () => void {
  let hold = holders.get(redis);
  if (!hold) {
    hold = () => {
      const stream = redis.stream;
      // Already corked (by an earlier command of this turn): its uncork is scheduled and takes this write along.
      if (redis.status !== 'ready' || !stream || stream.writableCorked > 0) return;
      stream.cork();
      setImmediate(() => stream.uncork());
    };
    holders.set(redis, hold);
  }
  return hold;
}
