import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import { shuttingDown, type JobOutcome, type JobProcessor, type UpstreamJob, type UpstreamQueue } from './upstream-queue.js';

/** In-process queue for a single instance without Redis: per-charger FIFO, nothing survives a restart. */
export class EmbeddedQueue implements UpstreamQueue {
  readonly kind = 'embedded';
  private processor?: JobProcessor;
  private readonly serialiser = new KeyedSerialiser();
  private inFlight = 0;
  private closed = false;

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
      void this.serialiser.run(job.identity, async () => {
        try {
          await processor(job, settle);
        } finally {
          this.inFlight--;
          settle({ kind: 'expired', queued: false });
        }
      });
    });
  }

  async depth(): Promise<number> {
    return this.inFlight;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.serialiser.drain();
  }
}
