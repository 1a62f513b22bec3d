import type { Queue } from 'bullmq';
import type { UpstreamJob } from './upstream-queue.js';

/**
 * Depth and age of the oldest waiting message per partition (metrics: is anything stuck?), of the BullMQ queues and of
 * the messages recorded in flight by direct delivery (`recorded`: per partition, oldest first).
 */
export function queueStats(
  queues: readonly Queue[],
  recorded: (partition: number) => Promise<UpstreamJob[]>,
): Promise<{ partition: string; depth: number; oldestAgeSeconds: number }[]> {
  return Promise.all(
    queues.map(async (q, p) => {
      const counts = await q.getJobCounts('waiting', 'active', 'delayed');
      const [oldest] = await q.getJobs(['waiting', 'delayed'], 0, 0, true);
      // Messages delivered directly count too: one the CSMS has not taken yet waits as long as any job.
      const direct = await recorded(p);
      const oldestAt = Math.min(
        oldest ? oldest.timestamp : Infinity,
        direct.length > 0 ? Date.parse(direct[0]!.receivedAt) : Infinity,
      );
      return {
        partition: String(p),
        depth: (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + direct.length,
        oldestAgeSeconds: Number.isFinite(oldestAt) ? (Date.now() - oldestAt) / 1000 : 0,
      };
    }),
  );
}
