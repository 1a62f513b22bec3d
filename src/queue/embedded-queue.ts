import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import { shuttingDown, type JobOutcome, type JobProcessor, type UpstreamJob, type UpstreamQueue } from './upstream-queue.js';
import { IdTable } from '../util/id-table.js';

/** In-process queue for a single instance without Redis: per-charger FIFO, nothing survives a restart. */
export class EmbeddedQueue implements UpstreamQueue {
  readonly kind = 'embedded';
  private processor?: JobProcessor;
  private readonly serialiser = new KeyedSerialiser();
  private inFlight = 0;
  private closed = false;
  /** Submitted, not yet started: job id -> submit time, per charger (for stats and dropQueued). */
  private readonly pending = new IdTable<IdTable<number>>();
  private readonly dropped = new Set<string>();
  readonly added = { jobs: 0, messages: 0, direct: 0 };

  async start(processor: JobProcessor): Promise<void> {
    this.processor = processor;
  }

  submit(job: UpstreamJob): Promise<JobOutcome> {
    const processor = this.processor;
    if (!processor || this.closed) return Promise.resolve(shuttingDown);
    return new Promise<JobOutcome>((resolve) => {
      let settled = false;
      const settle = (outcome: JobOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      // In memory the job is queued as soon as it is submitted (and lost with the process: no REDIS_URL, no durability).
      const timer = setTimeout(() => settle({ kind: 'expired', queued: true }), Math.max(0, job.deadline - Date.now()));
      this.inFlight++;
      this.added.jobs++;
      this.added.messages++;
      let waiting = this.pending.get(job.identity);
      if (!waiting) this.pending.set(job.identity, (waiting = new IdTable()));
      waiting.set(job.id, Date.now());
      void this.serialiser.run(job.identity, async () => {
        waiting.delete(job.id);
        if (waiting.size === 0 && this.pending.get(job.identity) === waiting) this.pending.delete(job.identity);
        try {
          if (this.dropped.delete(job.id)) {
            settle({ kind: 'retry', reason: 'message dropped by an operator' });
            return;
          }
          await processor(job, settle);
        } finally {
          this.inFlight--;
          settle({ kind: 'expired', queued: false });
        }
      });
    });
  }

  async stats(): Promise<{ partition: string; depth: number; oldestAgeSeconds: number }[]> {
    let oldest = Date.now();
    for (const waiting of this.pending.values()) for (const at of waiting.values()) oldest = Math.min(oldest, at);
    return [{ partition: 'embedded', depth: this.inFlight, oldestAgeSeconds: (Date.now() - oldest) / 1000 }];
  }

  async dropQueued(identity: string): Promise<number> {
    const waiting = this.pending.get(identity);
    if (!waiting) return 0;
    for (const id of waiting.keys()) this.dropped.add(id);
    return waiting.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.serialiser.drain();
  }
}
