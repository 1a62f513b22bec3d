import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';

/**
 * Holds a stream's writes until the end of this turn of the event loop (cork), then sends everything written meanwhile
 * in one write (uncork in setImmediate, after the I/O callbacks of this turn). A stream already held this turn is left
 * as it is: its scheduled uncork takes the new write along. Corks nest, so a writer that corks around its own writes
 * (ws does, per frame) still goes out with the rest. `mayFlush`, asked at the uncork, can drop the held writes instead.
 */
export function holdWritesThisTurn(stream: Writable | undefined, mayFlush?: () => boolean): void {
  if (!stream || stream.writableCorked > 0 || stream.destroyed) return;
  stream.cork();
  setImmediate(() => {
    // The writer may no longer send what it wrote (the process was paused between the write and here, and its right
    // to send lapsed meanwhile): the held writes are dropped with the stream rather than sent late.
    if (mayFlush && !mayFlush()) stream.destroy();
    else stream.uncork();
  });
}

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
      if (redis.status === 'ready') holdWritesThisTurn(redis.stream);
    };
    holders.set(redis, hold);
  }
  return hold;
}
