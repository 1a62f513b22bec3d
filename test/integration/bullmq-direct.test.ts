import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/log.js';
import type { BatchJobData } from '../../src/queue/batch.js';
import { BullmqQueue } from '../../src/queue/bullmq-queue.js';
import { LeftInQueue, type JobOutcome, type UpstreamJob } from '../../src/queue/upstream-queue.js';
import { REDIS_URL } from '../helpers/gateway-harness.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { sleep, until } from '../helpers/wait.js';

function message(identity: string, seq: number): UpstreamJob {
  return { id: randomUUID(), identity, action: 'MeterValues', request: { seq }, receivedAt: new Date().toISOString(), deadline: Date.now() + 10_000 };
}

const seqOf = (job: UpstreamJob) => (job.request as { seq: number }).seq;

/** Something a test releases when it wants to. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('BullMQ queue: direct delivery by the partition\'s consumer (real Redis)', () => {
  const prefixes: string[] = [];
  const queues: BullmqQueue[] = [];
  const redis = new Redis(REDIS_URL);
  const newPrefix = () => {
    const prefix = `directtest-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return prefix;
  };
  const makeQueue = (prefix: string) => {
    const queue = new BullmqQueue({ redisUrl: REDIS_URL, prefix, partitions: 1, leaseTtlMs: 2_000, logger: createLogger('silent') });
    queues.push(queue);
    return queue;
  };
  const inflight = (prefix: string) => redis.hgetall(`${prefix}:inflight:p0`);
  after(async () => {
    for (const q of queues) await q.close().catch(() => undefined);
    for (const p of prefixes) await deleteKeysWithPrefix(REDIS_URL, p);
    redis.disconnect();
  });

  it('a lone message skips BullMQ, is recorded in Redis while it is delivered, and the record goes when it is done', async () => {
    const prefix = newPrefix();
    const queue = makeQueue(prefix);
    const release = gate();
    let recordSeen: Record<string, string> = {};
    await queue.start(async (job, reply) => {
      recordSeen = await inflight(prefix);
      await release.wait;
      reply({ kind: 'response', body: { seq: seqOf(job) } });
    });
    const m = message('CP-1', 1);
    const outcome = queue.submit(m);
    await until(() => Object.keys(recordSeen).length > 0, 'the processor to run');
    assert.deepEqual(Object.keys(recordSeen), ['CP-1']);
    assert.equal((JSON.parse(recordSeen['CP-1']!) as UpstreamJob).id, m.id, 'the record is the message itself');
    release.open();
    assert.deepEqual(await outcome, { kind: 'response', body: { seq: 1 } });
    assert.deepEqual(queue.added, { jobs: 0, messages: 0, direct: 1 });
    await until(async () => Object.keys(await inflight(prefix)).length === 0, 'the record to be removed');
  });

  it('a charger\'s next message goes through BullMQ behind the one in flight, and keeps its order', async () => {
    const prefix = newPrefix();
    const queue = makeQueue(prefix);
    const release = gate();
    const order: number[] = [];
    await queue.start(async (job, reply) => {
      if (seqOf(job) === 1) await release.wait;
      order.push(seqOf(job));
      reply({ kind: 'response', body: {} });
    });
    const first = queue.submit(message('CP-2', 1));
    await until(() => queue.added.direct === 1, 'the first message to be claimed');
    const second = queue.submit(message('CP-2', 2));
    await until(() => queue.added.jobs === 1, 'the second message to become a BullMQ job');
    await sleep(100);
    assert.deepEqual(order, [], 'the job waits for the message in flight');
    release.open();
    assert.deepEqual([(await first).kind, (await second).kind], ['response', 'response']);
    assert.deepEqual(order, [1, 2]);
    assert.deepEqual(queue.added, { jobs: 1, messages: 1, direct: 1 });
  });

  it('a claim that fails (the partition has a delayed job) queues the message ahead of the charger\'s next one', async () => {
    const prefix = newPrefix();
    const queue = makeQueue(prefix);
    const order: number[] = [];
    await queue.start(async (job, reply) => {
      order.push(seqOf(job));
      reply({ kind: 'response', body: {} });
    });
    // A retry waiting in the partition (another charger's): no claim may succeed until it is done.
    const connection = redis.duplicate();
    const bull = new Queue('upstream-p0', { connection, prefix });
    const retry = message('CP-OTHER', 0);
    await bull.add('MeterValues', { replyTo: 'nobody', messages: [retry] } satisfies BatchJobData, { jobId: retry.id, delay: 60_000 });
    await bull.close();
    connection.disconnect();

    // Sent together: the first tries a claim, the second must not overtake it while the claim is answered.
    const outcomes = await Promise.all([queue.submit(message('CP-5', 1)), queue.submit(message('CP-5', 2))]);
    assert.deepEqual(outcomes.map((o) => o.kind), ['response', 'response']);
    assert.deepEqual(order, [1, 2]);
    assert.equal(queue.added.direct, 0, 'the claim failed');
    assert.equal(queue.added.messages, 2);
  });

  it('an instance that does not consume the partition queues its messages; the consumer answers them over Redis', async () => {
    const prefix = newPrefix();
    const consumer = makeQueue(prefix);
    await consumer.start(async (job, reply) => reply({ kind: 'response', body: { by: 'consumer', seq: seqOf(job) } }));
    await until(() => consumer.heldPartitions.has(0), 'the consumer to hold the partition');
    const other = makeQueue(prefix);
    await other.start(async () => assert.fail('the other instance holds no partition'));
    assert.equal(other.heldPartitions.size, 0);
    assert.deepEqual(await other.submit(message('CP-3', 7)), { kind: 'response', body: { by: 'consumer', seq: 7 } });
    assert.deepEqual(other.added, { jobs: 1, messages: 1, direct: 0 });
  });

  it('the next consumer delivers what a dead instance left in flight before any job of the partition', async () => {
    const prefix = newPrefix();
    // As a dead instance leaves them: a message recorded in flight, and the charger's next message queued behind it.
    const left = message('CP-4', 1);
    await redis.hset(`${prefix}:inflight:p0`, 'CP-4', JSON.stringify(left));
    const connection = redis.duplicate();
    const bull = new Queue('upstream-p0', { connection, prefix });
    const next = message('CP-4', 2);
    await bull.add('MeterValues', { replyTo: 'dead-instance', messages: [next] } satisfies BatchJobData, { jobId: next.id });
    await bull.close();
    connection.disconnect();

    const queue = makeQueue(prefix);
    const order: number[] = [];
    await queue.start(async (job, reply) => {
      await sleep(20);
      order.push(seqOf(job));
      reply({ kind: 'response', body: {} });
    });
    await until(() => order.length === 2, 'both messages');
    assert.deepEqual(order, [1, 2], 'the message in flight first, then the queued one');
    await until(async () => Object.keys(await inflight(prefix)).length === 0, 'the recovered record to be removed');
    const depth = (await queue.stats())[0]!.depth;
    assert.equal(depth, 0);
  });

  it('a shutdown keeps the record of a stored message; a failure inside the gateway hands the message to BullMQ', async () => {
    const prefix = newPrefix();
    const queue = makeQueue(prefix);
    let failingRuns = 0;
    await queue.start(async (job, reply) => {
      if (job.identity === 'CP-STORED' && seqOf(job) === 1) {
        reply({ kind: 'stored' });
        throw new LeftInQueue('gateway stopping with MeterValues undelivered; left in the queue');
      }
      if (job.identity === 'CP-FAIL' && ++failingRuns === 1) throw new Error('simulated failure inside the gateway');
      reply({ kind: 'response', body: {} });
    });
    const stored = message('CP-STORED', 1);
    assert.deepEqual(await queue.submit(stored), { kind: 'stored' });
    await sleep(50);
    assert.deepEqual(Object.keys(await inflight(prefix)), ['CP-STORED'], 'kept for the next consumer');
    const depthWithStored = (await queue.stats())[0]!;
    assert.equal(depthWithStored.depth, 1, 'a message in flight counts in the queue depth');
    // The charger's next message must not take the place of the record: it goes through BullMQ.
    assert.equal((await queue.submit(message('CP-STORED', 2))).kind, 'response');
    assert.deepEqual(queue.added, { jobs: 1, messages: 1, direct: 1 });
    assert.equal((JSON.parse((await inflight(prefix))['CP-STORED']!) as UpstreamJob).id, stored.id, 'the record still holds the stored message');

    // The stored record blocks nothing for other chargers; this one fails once and goes to BullMQ, which retries it.
    await redis.del(`${prefix}:inflight:p0`);
    const failing = message('CP-FAIL', 1);
    const outcome: JobOutcome = await queue.submit(failing);
    assert.equal(outcome.kind, 'retry');
    await until(() => failingRuns === 2, 'BullMQ to retry the message', 6_000);
    const [bullQueue] = queue.allQueues;
    await until(async () => (await bullQueue!.getJob(failing.id)) === undefined, 'the retried job to finish');
    assert.deepEqual(Object.keys(await inflight(prefix)), [], 'the record went when the message was handed to BullMQ');
  });
});
