import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { writeCoalescer } from '../../src/util/write-coalescer.js';
import { REDIS_URL } from '../helpers/gateway-harness.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';

describe('writeCoalescer: the commands of one event-loop turn go to Redis in one write (real Redis)', () => {
  const prefix = `coalesce-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL);
  after(async () => {
    redis.disconnect();
    await deleteKeysWithPrefix(REDIS_URL, prefix);
  });

  it('sends what a turn issued in one socket write, in order, and every command gets its own answer', async () => {
    await redis.ping();
    const hold = writeCoalescer(redis);
    assert.equal(writeCoalescer(redis), hold, 'one holder per connection, shared by its users');
    const writes: number[] = [];
    const stream = redis.stream;
    const original = stream._writev;
    const single = stream._write;
    // Count what reaches the socket: one _writev (or _write) call per write to the kernel.
    stream._writev = (chunks, cb) => {
      writes.push(chunks.length);
      original!.call(stream, chunks, cb);
    };
    stream._write = (chunk, encoding, cb) => {
      writes.push(1);
      single.call(stream, chunk, encoding, cb);
    };
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          hold();
          return redis.incrby(`${prefix}:n`, i + 1);
        }),
      );
      assert.deepEqual(
        answers,
        Array.from({ length: 20 }, (_, i) => ((i + 1) * (i + 2)) / 2),
        'in order, each its own reply',
      );
      assert.deepEqual(writes, [20], 'one write carrying the 20 commands');
      writes.length = 0;
      // Without hold(), the same commands go out one write each: what the holder saves.
      await Promise.all(Array.from({ length: 5 }, () => redis.incrby(`${prefix}:m`, 1)));
      assert.equal(writes.length, 5);
    } finally {
      stream._writev = original;
      stream._write = single;
    }
  });

  it('leaves a connection that is not ready alone: its commands wait in the offline queue and are sent once it is', async () => {
    const lazy = new Redis(REDIS_URL, { lazyConnect: true });
    try {
      const hold = writeCoalescer(lazy);
      hold(); // no socket yet: nothing to hold, nothing thrown
      const reply = lazy.set(`${prefix}:lazy`, 'v'); // connects, and waits in the offline queue meanwhile
      hold(); // connecting: still nothing to hold
      assert.notEqual(lazy.status, 'ready');
      assert.equal(await reply, 'OK');
      hold();
      assert.equal(await lazy.get(`${prefix}:lazy`), 'v', 'a held write is sent at the end of the turn');
    } finally {
      lazy.disconnect();
    }
  });
});
