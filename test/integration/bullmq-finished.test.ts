import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FinishedMessages, JobProcessor } from '../../src/queue/upstream-queue.js';
import { until } from '../helpers/wait.js';
import { directQueueLab, message, seqOf } from '../helpers/direct-claims.js';

/**
 * Messages the queue reports finished, which is when their charger's queued count drops (FinishedMessages): in
 * Redis, a message delivered directly drops it in the script that removes its in-flight record.
 */
describe('BullMQ queue: finished messages and their queued counts (real Redis)', () => {
  const { redis, newPrefix, makeQueue, close } = directQueueLab('finishedtest');
  after(close);

  /** Message 2 fails inside the gateway while its charger still waits (503, the message is the charger's again). */
  const processor: JobProcessor = async (job, reply) => {
    if (seqOf(job) === 2) throw new Error('simulated failure inside the gateway');
    reply({ kind: 'response', body: {} });
  };
  const told = () => {
    const reported: string[] = [];
    return { reported, finished: (identity: string) => void reported.push(identity) };
  };

  it("a direct delivery drops its charger's count in Redis with its record; a failed one leaves the count", async () => {
    const prefix = newPrefix();
    const countKey = `${prefix}:queued:CP-Q`;
    await redis.set(countKey, '3');
    const queue = makeQueue(prefix);
    const { reported, finished } = told();
    const counts: FinishedMessages = { finished, redisKey: (identity) => `${prefix}:queued:${identity}` };
    await queue.start(processor, counts);

    assert.equal((await queue.submit(message('CP-Q', 1))).kind, 'response');
    await until(async () => (await redis.get(countKey)) === '2', 'the count to drop with the record');
    assert.equal(await redis.hlen(`${prefix}:inflight:p0`), 0);

    // The count changes only in the script that removes the record: once the record is gone, the count is final.
    assert.equal((await queue.submit(message('CP-Q', 2))).kind, 'retry', 'the failed message is given back');
    await until(async () => (await redis.hlen(`${prefix}:inflight:p0`)) === 0, 'its record to go');
    assert.equal(await redis.get(countKey), '2', 'a failed message stays counted');
    assert.equal((await queue.submit(message('CP-Q', 3))).kind, 'response');
    await until(async () => (await redis.hlen(`${prefix}:inflight:p0`)) === 0, 'its record to go');
    assert.equal(await redis.get(countKey), '1');
    assert.equal(queue.added.direct, 3);
    assert.deepEqual(reported, [], 'Redis dropped the counts itself');
  });

  it('the count never goes below 0 in the release', async () => {
    const prefix = newPrefix();
    const queue = makeQueue(prefix);
    await queue.start(processor, { finished: () => undefined, redisKey: (identity) => `${prefix}:queued:${identity}` });
    assert.equal((await queue.submit(message('CP-Z', 1))).kind, 'response');
    await until(async () => (await redis.exists(`${prefix}:queued:CP-Z`)) === 1, 'the release to write the count');
    assert.equal(await redis.get(`${prefix}:queued:CP-Z`), '0');
  });

  it('without a Redis key, and through BullMQ jobs, the queue reports each finished message, not a failed one', async () => {
    for (const direct of [true, false]) {
      const queue = makeQueue(newPrefix(), 1, { direct });
      const { reported, finished } = told();
      await queue.start(processor, { finished });
      const outcomes = await Promise.all([1, 2, 3].map((seq) => queue.submit(message(`CP-${seq}`, seq))));
      assert.deepEqual(
        outcomes.map((o) => o.kind),
        ['response', 'retry', 'response'],
      );
      await until(() => reported.length === 2, `direct ${direct}: both finished messages reported`);
      assert.deepEqual(reported.sort(), ['CP-1', 'CP-3']);
      assert.equal(queue.added.direct, direct ? 3 : 0);
    }
  });
});
