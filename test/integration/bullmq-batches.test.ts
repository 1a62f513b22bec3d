import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it, mock } from 'node:test';
import { createLogger } from '../../src/util/log.js';
import { Redis } from 'ioredis';
import { BatchProgress } from '../../src/queue/batch.js';
import { BullmqQueue } from '../../src/queue/bullmq-queue.js';
import type { JobOutcome, JobProcessor, UpstreamJob } from '../../src/queue/upstream-queue.js';
import { REDIS_URL } from '../helpers/gateway-harness.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { sleep, until } from '../helpers/wait.js';
import { message as queueMessage } from '../helpers/direct-claims.js';

/** This suite's messages are Heartbeats. */
const message = (identity: string, seq: number, deadlineMs?: number): UpstreamJob =>
  queueMessage(identity, seq, deadlineMs, 'Heartbeat');

describe("BullMQ queue: group commit of one partition's messages (real Redis)", () => {
  const prefixes: string[] = [];
  const queues: BullmqQueue[] = [];
  const makeQueue = (options: { blockedPollMs?: number } = {}) => {
    const prefix = `batchtest-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    const queue = new BullmqQueue({
      redisUrl: REDIS_URL,
      prefix,
      partitions: 1,
      leaseTtlMs: 2_000,
      direct: false,
      logger: createLogger('silent'),
      ...options,
    });
    queues.push(queue);
    return queue;
  };
  after(async () => {
    for (const q of queues) await q.close();
    for (const p of prefixes) await deleteKeysWithPrefix(REDIS_URL, p);
  });

  it('messages submitted together travel as one job; each gets its own outcome, each charger keeps its order', async () => {
    const queue = makeQueue();
    const processed = new Map<string, number[]>();
    await queue.start(async (job, reply) => {
      const seq = (job.request as { seq: number }).seq;
      await sleep(Math.random() * 3); // part of the scenario, not a synchronisation: chargers finish out of step with each other
      processed.set(job.identity, [...(processed.get(job.identity) ?? []), seq]);
      reply({ kind: 'response', body: { seq, identity: job.identity } });
    });
    const sent = ['A', 'B', 'C'].flatMap((identity) => Array.from({ length: 10 }, (_, seq) => message(identity, seq)));
    const outcomes = await Promise.all(sent.map((m) => queue.submit(m)));

    assert.deepEqual(queue.added, { jobs: 1, messages: 30, direct: 0 }, 'one BullMQ job carried all thirty messages');
    outcomes.forEach((outcome, i) => {
      assert.equal(outcome.kind, 'response');
      assert.deepEqual((outcome as { body: object }).body, {
        seq: (sent[i]!.request as { seq: number }).seq,
        identity: sent[i]!.identity,
      });
    });
    for (const identity of ['A', 'B', 'C'])
      assert.deepEqual(processed.get(identity), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], `order of ${identity}`);
  });

  it('a batch that fails is retried without the messages it already finished; a message whose charger waits is given back', async () => {
    const queue = makeQueue();
    const runs = new Map<string, number>();
    let failedOnce = false;
    const processor: JobProcessor = async (job, reply) => {
      runs.set(job.identity, (runs.get(job.identity) ?? 0) + 1);
      // Told it is stored, then a failure inside the gateway: tried again (docs/architecture.md#error-classes).
      if (job.identity === 'B' && !failedOnce) {
        failedOnce = true;
        reply({ kind: 'stored' });
        throw new Error('simulated failure inside the gateway');
      }
      // Its charger still waits: 503, and the message is the charger's again.
      if (job.identity === 'D') throw new Error('simulated failure inside the gateway');
      reply({ kind: 'response', body: {} });
    };
    await queue.start(processor);
    const outcomes = await Promise.all(
      ['A', 'B', 'C', 'D'].map((identity, seq) => queue.submit(message(identity, seq))),
    );
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['response', 'stored', 'response', 'retry'],
    );
    // BullMQ retries the batch after its backoff (1 s); only B runs again. Once the job is done, nothing of it can run
    // again: the counts then are final.
    await until(() => runs.get('B') === 2, 'the retry of the failed message');
    await until(async () => (await queue.stats())[0]!.depth === 0, 'the retried job to complete');
    assert.deepEqual(Object.fromEntries(runs), { A: 1, B: 2, C: 1, D: 1 });
  });

  it("a job fetched behind its charger's unfinished job runs as soon as that job finishes, not at the next poll", async () => {
    // A poll longer than the message's deadline: only the wake on the older job's end can run the second message in time.
    const queue = makeQueue({ blockedPollMs: 20_000 });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const processed: number[] = [];
    await queue.start(async (job, reply) => {
      const seq = (job.request as { seq: number }).seq;
      processed.push(seq);
      reply({ kind: 'response', body: { seq } });
      // The first job goes on after its answer (as follow-up CALLs do) until the test lets it end.
      if (seq === 1) await gate;
    });
    assert.deepEqual(await queue.submit(message('CP-G', 1)), { kind: 'response', body: { seq: 1 } });
    const second = queue.submit(message('CP-G', 2));
    const [bullQueue] = queue.allQueues;
    await until(async () => (await bullQueue!.getActiveCount()) === 2, 'the second job to be fetched beside the first');
    assert.deepEqual(processed, [1], 'the second message waits for the first job to finish');
    open();
    assert.deepEqual(await second, { kind: 'response', body: { seq: 2 } });
    assert.deepEqual(processed, [1, 2]);
    assert.deepEqual(queue.added, { jobs: 2, messages: 2, direct: 0 });
  });

  it("an operator drop removes one charger's messages from a waiting batch and keeps the others", async () => {
    const queue = makeQueue();
    // Not started: no worker takes the batch while it is changed.
    const outcomes: Promise<JobOutcome>[] = [message('A', 1, 1_500), message('B', 1), message('A', 2, 1_500)].map((m) =>
      queue.submit(m),
    );
    const [bullQueue] = queue.allQueues;
    await until(async () => (await bullQueue!.getJobCounts('waiting')).waiting === 1, 'the batch to be queued');
    assert.equal(await queue.dropQueued('A'), 2);
    assert.equal(await queue.dropQueued('A'), 0, 'nothing of A is left');

    // A job written before batching (one message, no `messages` array) is still read.
    const legacy = message('L', 7);
    await bullQueue!.add('Heartbeat', { ...legacy, replyTo: queue.instanceId }, { jobId: legacy.id });

    const seen: string[] = [];
    await queue.start(async (job, reply) => {
      seen.push(`${job.identity}${(job.request as { seq: number }).seq}`);
      reply({ kind: 'response', body: {} });
    });
    await until(() => seen.includes('L7'), 'the pre-batching job');
    assert.equal(seen.filter((s) => s === 'B1').length, 1);
    assert.ok(!seen.includes('A1') && !seen.includes('A2'), `dropped messages were processed: ${seen.join(',')}`);
    const [a1, b1, a2] = await Promise.all(outcomes);
    assert.equal(b1!.kind, 'response');
    assert.deepEqual([a1!.kind, a2!.kind], ['expired', 'expired'], 'a dropped message gets no CSMS answer');
  });

  it('batch progress: nothing written for a batch that completes at once; a batch that runs on records what it finished', async () => {
    const prefix = `batchtest-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    const redis = new Redis(REDIS_URL);
    const errors: unknown[] = [];
    try {
      // Mocked timers: the recording delay is passed by the clock, not waited for.
      mock.timers.enable({ apis: ['setTimeout'] });
      try {
        const quick = new BatchProgress(redis, `${prefix}:quick`, (err) => errors.push(err));
        quick.markDone('m1');
        quick.markDone('m2');
        await quick.finish();
        mock.timers.tick(60_000);
      } finally {
        mock.timers.reset();
      }
      // Had a timer survived the finish, its write would now be queued on this connection ahead of the EXISTS.
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(await redis.exists(`${prefix}:quick`), 0, 'a batch finished within 100 ms writes nothing');

      const slow = new BatchProgress(redis, `${prefix}:slow`, (err) => errors.push(err));
      slow.markDone('m1');
      await until(
        async () => (await redis.exists(`${prefix}:slow`)) === 1,
        'the progress of the batch that runs on to be recorded',
        2_000,
      );
      assert.deepEqual(await redis.hkeys(`${prefix}:slow`), ['m1'], 'recorded once the batch ran on past it');
      slow.markDone('m2');
      // Another consumer taking the batch over now would skip both.
      await slow.record();
      assert.deepEqual(
        [...(await new BatchProgress(redis, `${prefix}:slow`, () => undefined).finishedBefore())].sort(),
        ['m1', 'm2'],
      );
      await slow.finish();
      const ttl = await redis.pttl(`${prefix}:slow`);
      assert.ok(
        ttl > 0 && ttl <= 5 * 60_000,
        `the record expires a few minutes after the batch completes (ttl ${ttl} ms)`,
      );
      assert.deepEqual(errors, []);
    } finally {
      redis.disconnect();
    }
  });
});
