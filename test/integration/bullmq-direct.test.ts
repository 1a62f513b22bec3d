import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import type { BatchJobData } from '../../src/queue/batch.js';
import { MAX_CLAIMED_PER_CHARGER } from '../../src/queue/direct-delivery.js';
import { ChargerJobs } from '../../src/queue/charger-jobs.js';
import { LeftInQueue, type JobOutcome, type UpstreamJob } from '../../src/queue/upstream-queue.js';
import { sleep, until } from '../helpers/wait.js';
import { directQueueLab, gate, message, seqOf, seqs, submitClaimed } from '../helpers/direct-claims.js';
import { partitionOf } from '../../src/queue/partition.js';

describe("BullMQ queue: direct delivery by the partition's consumer (real Redis)", () => {
  const { redis, newPrefix, makeQueue, startHoldingFirst, close } = directQueueLab('directtest');
  const inflight = (prefix: string) => redis.hgetall(`${prefix}:inflight:p0`);
  after(close);

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

  /** Adds a job as another writer would, before or beside the queue under test (delayed: it stays unfinished). */
  const addJob = async (prefix: string, messages: UpstreamJob[], delay?: number) => {
    const connection = redis.duplicate();
    const bull = new Queue('upstream-p0', { connection, prefix });
    await bull.add('MeterValues', { replyTo: 'nobody', messages } satisfies BatchJobData, {
      jobId: messages[0]!.id,
      delay,
    });
    await bull.close();
    connection.disconnect();
  };
  const marks = (prefix: string, identity: string) => redis.zrange(`${prefix}:charger-jobs:p0:${identity}`, '0', '-1');

  it("a claim that fails (the charger has an unfinished job) queues the message ahead of the charger's next one", async () => {
    const prefix = newPrefix();
    // The charger's own retry, waiting 1.5 s: nothing of this charger may go direct, or run, before it.
    const retry = message('CP-5', 0);
    await addJob(prefix, [retry], 1_500);
    const queue = makeQueue(prefix);
    const order: number[] = [];
    await queue.start(async (job, reply) => {
      order.push(seqOf(job));
      reply({ kind: 'response', body: {} });
    });
    assert.deepEqual(await marks(prefix, 'CP-5'), [retry.id], 'the job queued before the consumer started is marked');

    // Sent together: the first tries a claim, the second must not overtake it while the claim is answered.
    const outcomes = await Promise.all([queue.submit(message('CP-5', 1)), queue.submit(message('CP-5', 2))]);
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['response', 'response'],
    );
    assert.deepEqual(order, [0, 1, 2], 'the older job first, although it waited in the delayed set');
    assert.equal(queue.added.direct, 0, 'the claim failed');
    assert.equal(queue.added.messages, 2);
    // Another charger of the same partition is not held back by CP-5's retry.
    assert.equal((await queue.submit(message('CP-6', 1))).kind, 'response');
    assert.equal(queue.added.direct, 1);
  });

  it('a charger goes direct while other chargers have jobs queued; a charger with a job queued waits for it', async () => {
    const prefix = newPrefix();
    const queue = makeQueue(prefix);
    const release = gate();
    const order: string[] = [];
    await queue.start(async (job, reply) => {
      if (job.identity === 'CP-A' && seqOf(job) === 1) await release.wait;
      order.push(`${job.identity}/${seqOf(job)}`);
      reply({ kind: 'response', body: {} });
    });
    const n = MAX_CLAIMED_PER_CHARGER;
    const claimed = await submitClaimed(
      redis,
      prefix,
      queue,
      seqs(n).map((seq) => message('CP-A', seq)),
    );
    const a2 = queue.submit(message('CP-A', n + 1));
    await until(() => queue.added.jobs === 1, "CP-A's message beyond the bound to become a BullMQ job");
    await until(async () => (await marks(prefix, 'CP-A')).length === 1, "the job to be marked as CP-A's");

    // CP-A's job is queued in the partition: CP-B still goes direct, and is answered while CP-A waits.
    assert.deepEqual(await queue.submit(message('CP-B', 1)), { kind: 'response', body: {} });
    assert.equal(queue.added.direct, 2, "CP-A's first (held) and CP-B's are delivered directly");
    assert.deepEqual(order, ['CP-B/1']);

    release.open();
    await Promise.all([...claimed, a2]);
    assert.deepEqual(order, ['CP-B/1', ...seqs(n + 1).map((seq) => `CP-A/${seq}`)]);
    // CP-A's job is finished (BullMQ removed it): its next message goes direct again, and the claim drops the mark.
    const [bullQueue] = queue.allQueues;
    const [jobId] = await marks(prefix, 'CP-A');
    await until(async () => (await bullQueue!.getJob(jobId!)) === undefined, 'the job to be removed when completed');
    assert.equal((await queue.submit(message('CP-A', n + 2))).kind, 'response');
    assert.deepEqual(queue.added, { jobs: 1, messages: 1, direct: n + 2 });
    assert.deepEqual(await marks(prefix, 'CP-A'), []);
  });

  it('jobs queued before marks existed are marked when the partition is taken; without that the whole queue must be empty', async () => {
    const prefix = newPrefix();
    const legacy = message('CP-L', 0);
    await addJob(prefix, [legacy, message('CP-L2', 0)], 1_500);
    const queue = makeQueue(prefix);
    const order: string[] = [];
    await queue.start(async (job, reply) => {
      order.push(`${job.identity}/${seqOf(job)}`);
      reply({ kind: 'response', body: {} });
    });
    assert.equal(await redis.get(`${prefix}:charger-jobs-complete:p0`), '1');
    assert.deepEqual(await redis.zrange(`${prefix}:charger-jobs:p0:CP-L`, '0', '-1', 'WITHSCORES'), [legacy.id, '0']);
    assert.deepEqual(await marks(prefix, 'CP-L2'), [legacy.id], 'every charger of a batch is marked');

    await queue.submit(message('CP-L', 1));
    assert.equal(queue.added.direct, 0, 'CP-L has an unfinished job');
    await queue.submit(message('CP-M', 1));
    assert.equal(queue.added.direct, 1, 'CP-M has none');

    // Marks not known to be complete (a failed scan): a claim needs the partition's queue empty, as before marks.
    await addJob(prefix, [message('CP-Z', 0)], 60_000);
    await redis.del(`${prefix}:charger-jobs-complete:p0`);
    await queue.submit(message('CP-N', 1));
    assert.equal(queue.added.direct, 1, 'the legacy job in the partition holds CP-N back');
    assert.deepEqual(
      order,
      ['CP-L/0', 'CP-L2/0', 'CP-L/1', 'CP-M/1', 'CP-N/1'],
      'CP-L/1 after the legacy job of its charger',
    );
  });

  it('the marks of finished jobs hold nobody back: the claim drops them, and so does the next mark', async () => {
    const prefix = newPrefix();
    const queue = makeQueue(prefix);
    await queue.start(async (_job, reply) => reply({ kind: 'response', body: {} }));
    // A job completed and removed by BullMQ, and one that failed for good (kept, stamped finishedOn).
    await redis.hset(`${prefix}:upstream-p0:failed-job`, { name: 'MeterValues', finishedOn: String(Date.now()) });
    await redis.zadd(`${prefix}:charger-jobs:p0:CP-S`, 0, 'completed-job', 0, 'failed-job');
    await queue.submit(message('CP-S', 1));
    assert.equal(queue.added.direct, 1);
    assert.deepEqual(await marks(prefix, 'CP-S'), []);

    const jobs = new ChargerJobs(redis, prefix);
    const jobPrefix = `${prefix}:upstream-p0:`;
    await redis.hset(`${jobPrefix}job-1`, { name: 'MeterValues' });
    await redis.hset(`${jobPrefix}job-2`, { name: 'MeterValues' });
    await jobs.mark(0, ['CP-D', 'CP-D', 'CP-E'], 'job-1', jobPrefix);
    await jobs.mark(0, ['CP-D'], 'job-2', jobPrefix);
    assert.deepEqual(await marks(prefix, 'CP-D'), ['job-1', 'job-2']);
    assert.deepEqual(await marks(prefix, 'CP-E'), ['job-1']);
    // job-1 finishes (BullMQ deletes it); the next mark of CP-D drops it, and keeps job-2, which is unfinished.
    await redis.del(`${jobPrefix}job-1`);
    await jobs.mark(0, ['CP-D'], 'job-3', jobPrefix);
    assert.deepEqual(await marks(prefix, 'CP-D'), ['job-2', 'job-3']);
    await queue.submit(message('CP-D', 1));
    assert.equal(queue.added.direct, 1, 'job-2 holds CP-D back');
  });

  it("a charger's message whose job is not added and marked yet holds its next message back from a claim", async () => {
    const { prefix, queue, release, order } = await startHoldingFirst();
    // The write of the job is held, as a slow Redis would hold it (the instrument wraps the real write).
    const [bullQueue] = queue.allQueues as Queue[];
    const jobWrite = gate();
    const add = bullQueue!.add.bind(bullQueue);
    bullQueue!.add = async (...args) => {
      await jobWrite.wait;
      return add(...args);
    };
    const n = MAX_CLAIMED_PER_CHARGER;
    const claimed = await submitClaimed(
      redis,
      prefix,
      queue,
      seqs(n).map((seq) => message('CP-W', seq)),
    );
    const second = queue.submit(message('CP-W', n + 1));
    release.open();
    await Promise.all(claimed);
    await until(async () => Object.keys(await inflight(prefix)).length === 0, 'the claimed messages to be done');
    // The charger has nothing in flight and no job in Redis, but its message beyond the bound is on its way to BullMQ.
    const third = queue.submit(message('CP-W', n + 2));
    jobWrite.open();
    assert.deepEqual([(await second).kind, (await third).kind], ['response', 'response']);
    assert.deepEqual(order, seqs(n + 2));
    // Counted once everything is done: the last message was never claimed for direct delivery.
    assert.equal(queue.added.direct, n, 'the message behind the unmarked job is not claimed');
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
    await bull.add('MeterValues', { replyTo: 'dead-instance', messages: [next] } satisfies BatchJobData, {
      jobId: next.id,
    });
    await bull.close();
    connection.disconnect();

    const queue = makeQueue(prefix);
    const order: number[] = [];
    await queue.start(async (job, reply) => {
      await sleep(20); // part of the scenario (a processor that takes a while), not a synchronisation
      order.push(seqOf(job));
      reply({ kind: 'response', body: {} });
    });
    await until(() => order.length === 2, 'both messages');
    assert.deepEqual(order, [1, 2], 'the message in flight first, then the queued one');
    await until(async () => Object.keys(await inflight(prefix)).length === 0, 'the recovered record to be removed');
    const depth = (await queue.stats())[0]!.depth;
    assert.equal(depth, 0);
  });

  it("a record left while its partition was handed back: the next consumer's outcome answers the request where it waits", async () => {
    const prefix = newPrefix();
    const first = makeQueue(prefix, 2);
    let refused = 0;
    // Refused as a CALL is while the partition is being handed back: the record stays, the charger's request waits.
    await first.start(async () => {
      refused++;
      throw new LeftInQueue('not sent: this instance no longer owns the partition');
    });
    await until(() => first.heldPartitions.size === 2, 'the first instance to hold both partitions');
    // Partition 1: the one the first instance gives back when a second arrives (the highest it holds).
    const identity = ['CP-H0', 'CP-H1', 'CP-H2', 'CP-H3'].find((id) => partitionOf(id, 2) === 1)!;
    const outcome = first.submit({ ...message(identity, 9), deadline: Date.now() + 8_000 });
    await until(() => refused === 1, "the first instance's delivery to be refused");
    const second = makeQueue(prefix, 2);
    await second.start(async (job, reply) => reply({ kind: 'response', body: { by: 'second', seq: seqOf(job) } }));
    // Answered only at its deadline (expired), the charger would send the message again: the CSMS would have it twice.
    assert.deepEqual(await outcome, { kind: 'response', body: { by: 'second', seq: 9 } });
    assert.ok(second.heldPartitions.has(1));
    assert.deepEqual(first.added, { jobs: 0, messages: 0, direct: 1 }, 'the message went by direct delivery');
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
      if (job.identity === 'CP-FAIL' && ++failingRuns === 1) {
        // Told it is stored, then a failure inside the gateway: BullMQ tries it again (docs/architecture.md#error-classes).
        reply({ kind: 'stored' });
        throw new Error('simulated failure inside the gateway');
      }
      // Its charger still waits: 503, and the message is the charger's again, not a job.
      if (job.identity === 'CP-GONE') throw new Error('simulated failure inside the gateway');
      reply({ kind: 'response', body: {} });
    });
    const stored = message('CP-STORED', 1);
    assert.deepEqual(await queue.submit(stored), { kind: 'stored' });
    assert.deepEqual(Object.keys(await inflight(prefix)), ['CP-STORED'], 'kept for the next consumer');
    const depthWithStored = (await queue.stats())[0]!;
    assert.equal(depthWithStored.depth, 1, 'a message in flight counts in the queue depth');
    // The charger's next message must not take the place of the record: it goes through BullMQ.
    assert.equal((await queue.submit(message('CP-STORED', 2))).kind, 'response');
    assert.deepEqual(queue.added, { jobs: 1, messages: 1, direct: 1 });
    assert.equal(
      (JSON.parse((await inflight(prefix))['CP-STORED']!) as UpstreamJob).id,
      stored.id,
      // Message 2 ran behind message 1 on the charger's lock, so message 1's LeftInQueue was handled before this.
      'the record still holds the stored message after the LeftInQueue was handled',
    );

    // The stored record blocks nothing for other chargers; this one fails once and goes to BullMQ, which retries it.
    await redis.del(`${prefix}:inflight:p0`);
    const failing = message('CP-FAIL', 1);
    const outcome: JobOutcome = await queue.submit(failing);
    assert.equal(outcome.kind, 'stored');
    await until(() => failingRuns === 2, 'BullMQ to retry the message', 6_000);
    const [bullQueue] = queue.allQueues;
    await until(async () => (await bullQueue!.getJob(failing.id)) === undefined, 'the retried job to finish');
    assert.deepEqual(Object.keys(await inflight(prefix)), [], 'the record went when the message was handed to BullMQ');

    const gone = message('CP-GONE', 1);
    assert.equal((await queue.submit(gone)).kind, 'retry');
    await until(
      async () => Object.keys(await inflight(prefix)).length === 0,
      'the record of the given-back message to go',
    );
    // Handed to BullMQ, it would fail there again for seconds (five tries): its job would still be there.
    assert.equal(await bullQueue!.getJob(gone.id), undefined, 'not handed to BullMQ');
  });
});
