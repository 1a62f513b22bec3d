import type { Worker } from 'bullmq';
import { type BatchJobData, messagesOf } from './batch.js';

/**
 * Wakes the batches that wait for an older job of one of their chargers when a job of those chargers finishes on this
 * instance (docs/architecture.md#order-across-crashes). Without it a waiting batch would look again only after its
 * poll interval, which caps a charger whose jobs queue up behind each other at one job per interval: after a stall,
 * a charger that sends faster than that never catches up.
 */
export class FinishSignal {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves when a job holding a message of one of `identities` finishes here, or after `ms`. */
  wait(identities: readonly string[], ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        for (const identity of identities) {
          const set = this.waiters.get(identity);
          set?.delete(wake);
          if (set?.size === 0) this.waiters.delete(identity);
        }
        resolve();
      };
      const timer = setTimeout(wake, ms);
      for (const identity of identities) {
        let set = this.waiters.get(identity);
        if (!set) this.waiters.set(identity, (set = new Set()));
        set.add(wake);
      }
    });
  }

  /** A job holding messages of these chargers finished here (completed, or failed for now or for good). */
  finished(identities: Iterable<string>): void {
    for (const identity of identities) {
      const set = this.waiters.get(identity);
      if (set) for (const wake of [...set]) wake();
    }
  }

  /**
   * Wakes the batches behind the jobs a worker ends: BullMQ emits `completed` and `failed` once it has recorded the
   * end (most of the time no batch waits, and the job's chargers are not listed).
   */
  watch(worker: Worker<BatchJobData>): void {
    const ended = (job: { data: BatchJobData } | undefined) => {
      if (job && this.waiters.size > 0) this.finished(messagesOf(job.data).map((m) => m.identity));
    };
    worker.on('completed', ended);
    worker.on('failed', ended);
  }

  /** Chargers with a batch waiting. */
  get size(): number {
    return this.waiters.size;
  }
}
