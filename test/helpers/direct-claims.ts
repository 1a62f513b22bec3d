import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BullmqQueue } from '../../src/queue/bullmq-queue.js';
import type { JobOutcome, UpstreamJob } from '../../src/queue/upstream-queue.js';
import { FIRST_PATH } from '../../src/ocpp/protocols.js';
import { createLogger } from '../../src/util/log.js';
import { REDIS_URL } from './gateway-harness.js';
import { deleteKeysWithPrefix } from './redis-keys.js';
import { until } from './wait.js';

/** A message of `identity` numbered `seq` (seqOf), as the ingress submits it: a MeterValues unless `action` says. */
export function message(identity: string, seq: number, deadlineMs = 10_000, action = 'MeterValues'): UpstreamJob {
  return {
    id: randomUUID(),
    identity,
    ...FIRST_PATH,
    action,
    request: { seq },
    receivedAt: new Date().toISOString(),
    deadline: Date.now() + deadlineMs,
  };
}

export const seqOf = (job: UpstreamJob) => (job.request as { seq: number }).seq;

/** 1..n */
export const seqs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Something a test releases when it wants to. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/**
 * BullMQ queues on the real Redis for the direct-delivery suites, each under a prefix of its own, closed and their
 * keys deleted by `close` (the suite's `after`).
 */
export function directQueueLab(label: string) {
  const prefixes: string[] = [];
  const queues: BullmqQueue[] = [];
  const redis = new Redis(REDIS_URL);
  const newPrefix = () => {
    const prefix = `${label}-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return prefix;
  };
  const makeQueue = (prefix: string, partitions = 1, options: { direct?: boolean } = {}) => {
    const queue = new BullmqQueue({
      redisUrl: REDIS_URL,
      prefix,
      partitions,
      leaseTtlMs: 2_000,
      logger: createLogger('silent'),
      ...options,
    });
    queues.push(queue);
    return queue;
  };
  /** A queue whose processor holds every charger's message 1 until `release` opens, and records the order. */
  const startHoldingFirst = async () => {
    const prefix = newPrefix();
    const queue = makeQueue(prefix);
    const release = gate();
    const order: number[] = [];
    await queue.start(async (job, reply) => {
      if (seqOf(job) === 1) await release.wait;
      order.push(seqOf(job));
      reply({ kind: 'response', body: {} });
    });
    return { prefix, queue, release, order };
  };
  const close = async () => {
    for (const q of queues) await q.close().catch(() => undefined);
    for (const p of prefixes) await deleteKeysWithPrefix(REDIS_URL, p);
    redis.disconnect();
  };
  return { redis, newPrefix, makeQueue, startHoldingFirst, close };
}

/**
 * Submits messages of one charger one by one, each once the one before is recorded in partition 0's in-flight hash
 * (a charger's next claim waits for the answer to its last, docs/architecture.md#direct-delivery): how a charger
 * that is answered before its message is delivered sends its next ones. Resolves with their outcomes, still pending.
 */
export async function submitClaimed(
  redis: Redis,
  prefix: string,
  queue: BullmqQueue,
  messages: UpstreamJob[],
): Promise<Promise<JobOutcome>[]> {
  const before = await redis.hlen(`${prefix}:inflight:p0`);
  const outcomes: Promise<JobOutcome>[] = [];
  for (const [i, m] of messages.entries()) {
    outcomes.push(queue.submit(m));
    await until(async () => (await redis.hlen(`${prefix}:inflight:p0`)) === before + i + 1, `message ${i + 1} claimed`);
  }
  return outcomes;
}
