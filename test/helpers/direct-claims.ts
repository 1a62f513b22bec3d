import type { Redis } from 'ioredis';
import type { BullmqQueue } from '../../src/queue/bullmq-queue.js';
import type { JobOutcome, UpstreamJob } from '../../src/queue/upstream-queue.js';
import { until } from './wait.js';

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
