import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MAX_CLAIMED_PER_CHARGER } from '../../src/queue/direct-delivery.js';
import { LeftInQueue } from '../../src/queue/upstream-queue.js';
import { until } from '../helpers/wait.js';
import { directQueueLab, gate, message, seqOf, seqs, submitClaimed } from '../helpers/direct-claims.js';

/**
 * A charger's messages claimed behind one that is still being delivered (docs/architecture.md#direct-delivery): when
 * the first cannot be delivered here, the ones behind it go the same way, so that none overtakes it.
 */
describe('BullMQ queue: messages claimed behind a charger message in flight (real Redis)', () => {
  const { redis, newPrefix, makeQueue, startHoldingFirst, close } = directQueueLab('chaintest');
  const records = (prefix: string) => redis.hlen(`${prefix}:inflight:p0`);
  after(close);

  it("a charger's next messages are claimed behind the one in flight, up to a bound, and keep their order", async () => {
    const { prefix, queue, release, order } = await startHoldingFirst();
    const n = MAX_CLAIMED_PER_CHARGER;
    const claimed = await submitClaimed(
      redis,
      prefix,
      queue,
      seqs(n).map((seq) => message('CP-2', seq)),
    );
    const fields = await redis.hkeys(`${prefix}:inflight:p0`);
    assert.ok(fields.includes('CP-2'), "the first is the charger's head record");
    assert.equal(await redis.hget(`${prefix}:inflight-behind:p0`, 'CP-2'), String(n - 1), 'the others are behind it');
    // Beyond the bound: a BullMQ job, which the worker takes and holds behind the messages claimed.
    const queued = queue.submit(message('CP-2', n + 1));
    await until(() => queue.added.jobs === 1, 'the message beyond the bound to become a BullMQ job');
    await until(async () => (await redis.llen(`${prefix}:upstream-p0:active`)) === 1, 'the worker to take the job');
    assert.deepEqual(order, [], 'nothing overtakes the message in flight');
    release.open();
    const outcomes = await Promise.all([...claimed, queued]);
    assert.deepEqual(new Set(outcomes.map((o) => o.kind)), new Set(['response']));
    assert.deepEqual(order, seqs(n + 1));
    assert.deepEqual(queue.added, { jobs: 1, messages: 1, direct: n });
    await until(async () => (await records(prefix)) === 0, 'every record to go');
    assert.equal(await redis.exists(`${prefix}:inflight-behind:p0`), 0, 'the count of records behind goes with them');
  });

  it('a message stored behind a backlog is not claimed behind: it waits in BullMQ, not in this process', async () => {
    const { prefix, queue, release, order } = await startHoldingFirst();
    const claimed = await submitClaimed(redis, prefix, queue, [message('CP-B', 1)]);
    const stored = queue.submit({ ...message('CP-B', 2), acknowledged: true }, { storeAtOnce: true });
    assert.deepEqual(await stored, { kind: 'stored' });
    assert.deepEqual(queue.added, { jobs: 1, messages: 1, direct: 1 });
    assert.equal(await records(prefix), 1);
    release.open();
    await Promise.all(claimed);
    await until(() => order.length === 2, 'both messages to be delivered');
    assert.deepEqual(order, [1, 2]);
  });

  it('the first fails inside the gateway and becomes a BullMQ job: the ones behind it follow it there, in order', async () => {
    const prefix = newPrefix();
    const queue = makeQueue(prefix);
    const held = gate();
    const delivered: number[] = [];
    let failures = 0;
    await queue.start(async (job, reply) => {
      if (seqOf(job) === 1 && failures === 0) {
        reply({ kind: 'stored' });
        await held.wait;
        failures++;
        throw new Error('simulated failure inside the gateway');
      }
      delivered.push(seqOf(job));
      reply({ kind: 'response', body: {} });
    });
    const outcomes = await submitClaimed(
      redis,
      prefix,
      queue,
      [1, 2, 3].map((seq) => message('CP-F', seq)),
    );
    assert.equal(await redis.hget(`${prefix}:inflight-behind:p0`, 'CP-F'), '2');
    held.open();
    await until(() => failures === 1, 'the first delivery to fail');
    // Arriving while the first is handed over: claimed behind the chain (and handed over after it) or queued.
    const late = queue.submit(message('CP-F', 4));
    const kinds = (await Promise.all([...outcomes, late])).map((o) => o.kind);
    assert.deepEqual(kinds, ['stored', 'response', 'response', 'response']);
    assert.deepEqual(delivered, [1, 2, 3, 4], "BullMQ's retry of the first before the messages behind it");
    await until(async () => (await records(prefix)) === 0, 'the records to go');
    assert.equal(await redis.exists(`${prefix}:inflight-behind:p0`), 0);
  });

  it('the first is left in flight (shutdown): the ones behind keep their records, and the next consumer delivers all in order', async () => {
    const prefix = newPrefix();
    const first = makeQueue(prefix);
    const held = gate();
    let refused = 0;
    await first.start(async (_job, reply) => {
      reply({ kind: 'stored' });
      await held.wait;
      refused++;
      throw new LeftInQueue('gateway stopping with MeterValues undelivered; left in the queue');
    });
    // Short deadlines: the charger of a message that was never run here is answered when its deadline passes.
    const outcomes = await submitClaimed(
      redis,
      prefix,
      first,
      [1, 2, 3].map((seq) => message('CP-S', seq, 1_500)),
    );
    held.open();
    await until(() => refused === 1, 'the first delivery to be left in flight');
    await Promise.all(outcomes);
    assert.equal(refused, 1, 'the messages behind it were not run here');
    assert.equal(await records(prefix), 3, 'all three records stay');
    await first.close();

    const next = makeQueue(prefix);
    const delivered: number[] = [];
    await next.start(async (job, reply) => {
      delivered.push(seqOf(job));
      reply({ kind: 'response', body: {} });
    });
    await until(() => delivered.length === 3, 'the next consumer to deliver the records');
    assert.deepEqual(delivered, [1, 2, 3]);
    await until(async () => (await records(prefix)) === 0, 'the records to go');
    assert.equal(await redis.exists(`${prefix}:inflight-behind:p0`), 0);
  });
});
