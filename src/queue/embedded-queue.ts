import { retryDelayMs, sleepUnlessAborted } from '../util/backoff.js';
import { IdTable } from '../util/id-table.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import type { Logger } from '../util/log.js';
import {
  failedInside,
  givenBack,
  LeftInQueue,
  shuttingDown,
  UNEXPECTED_ATTEMPTS,
  type FinishedMessages,
  type JobOutcome,
  type JobProcessor,
  type SubmitOptions,
  type UpstreamJob,
  type UpstreamQueue,
} from './upstream-queue.js';

/** Where the embedded queue keeps its messages across restarts (the embedded store, SqliteStore). */
export interface MessageLog {
  appendMessage(seq: number, identity: string, job: object): void;
  removeMessage(seq: number): void;
  /** Resolves once everything written so far is on disk; rejects when the commit fails. */
  durable(): Promise<void>;
  loadMessages(): { seq: number; identity: string; job: unknown }[];
}

/** One message in the queue: its place, its job, and what the charger has been told. */
interface Entry {
  seq: number;
  job: UpstreamJob;
  /** The waiting request, until it has its answer. */
  settle?: (outcome: JobOutcome) => void;
  /** The charger was told the message is stored: it must survive a restart. */
  acknowledged: boolean;
  started: boolean;
}

export interface EmbeddedQueueOptions {
  /** The durable store; without one the queue lives in memory only (STORE=memory). */
  log?: MessageLog;
  logger: Logger;
  /** A message the processor kept failing on inside the gateway: kept as a dead letter (docs/architecture.md#error-classes). */
  onFailure?(job: UpstreamJob, err: unknown, attempts: number): Promise<void>;
}

/**
 * The queue of a single instance without Redis (docs/architecture.md#the-embedded-store): per-charger FIFO in memory,
 * each message also written to the durable log. A message is written lazily: it reaches the disk when the charger is
 * to be told it is stored (a `stored` or queued `expired` outcome waits for its commit), or with the next group
 * commit; one delivered before that is never written. At start the log's undelivered messages are queued first, per
 * charger in their original order.
 */
export class EmbeddedQueue implements UpstreamQueue {
  readonly kind = 'embedded';
  readonly added = { jobs: 0, messages: 0, direct: 0 };
  readonly restored = new Map<string, number>();
  private processor?: JobProcessor;
  private finished?: FinishedMessages;
  private readonly serialiser = new KeyedSerialiser();
  private readonly entries = new IdTable<Entry>();
  private seq = 0;
  private closed = false;
  /** Aborted on close: a message waiting to be tried again after a failure inside the gateway stays queued. */
  private readonly closing = new AbortController();

  constructor(private readonly options: EmbeddedQueueOptions) {}

  async start(processor: JobProcessor, finished?: FinishedMessages): Promise<void> {
    this.processor = processor;
    this.finished = finished;
    for (const row of this.options.log?.loadMessages() ?? []) {
      this.seq = Math.max(this.seq, row.seq);
      const entry: Entry = { seq: row.seq, job: row.job as UpstreamJob, acknowledged: true, started: false };
      this.restored.set(row.identity, (this.restored.get(row.identity) ?? 0) + 1);
      this.enqueue(entry);
    }
    if (this.restored.size > 0) {
      this.options.logger.warn(
        { messages: [...this.restored.values()].reduce((a, b) => a + b, 0), chargers: this.restored.size },
        'delivering the messages stored before the last stop first',
      );
    }
  }

  submit(job: UpstreamJob, options: SubmitOptions = {}): Promise<JobOutcome> {
    if (!this.processor || this.closed) return Promise.resolve(shuttingDown);
    return new Promise<JobOutcome>((resolve) => {
      const entry: Entry = { seq: ++this.seq, job, acknowledged: false, started: false };
      let timer: NodeJS.Timeout | undefined;
      entry.settle = (outcome) => {
        entry.settle = undefined;
        clearTimeout(timer);
        if (outcome.kind === 'stored' || (outcome.kind === 'expired' && outcome.queued)) entry.acknowledged = true;
        resolve(outcome);
      };
      this.options.log?.appendMessage(entry.seq, job.identity, job);
      this.added.jobs++;
      this.added.messages++;
      // Not answered in time: the message stays queued, and the charger may be told so once it is on disk.
      timer = setTimeout(
        () => this.whenDurable(entry, { kind: 'expired', queued: true }),
        Math.max(0, job.deadline - Date.now()),
      );
      if (options.storeAtOnce) this.whenDurable(entry, { kind: 'stored' });
      this.enqueue(entry);
    });
  }

  /** Gives an outcome that acknowledges the message once it is durable; a failed commit answers 503 instead. */
  private whenDurable(entry: Entry, outcome: JobOutcome): void {
    const log = this.options.log;
    if (!entry.settle) return;
    if (!log) return entry.settle(outcome);
    log.durable().then(
      () => entry.settle?.(outcome),
      (err: unknown) => {
        if (!entry.started) this.forget(entry);
        entry.settle?.({ kind: 'retry', reason: (err as Error).message, queued: false });
      },
    );
  }

  private enqueue(entry: Entry): void {
    this.entries.set(entry.job.id, entry);
    void this.serialiser.run(entry.job.identity, () => this.run(entry));
  }

  private async run(entry: Entry): Promise<void> {
    if (!this.entries.has(entry.job.id)) return; // dropped by an operator, or given up on a failed commit
    if (this.closed) return this.leave(entry);
    entry.started = true;
    const reply = (outcome: JobOutcome) => {
      if (outcome.kind === 'stored' || (entry.job.acknowledged && !entry.acknowledged)) {
        // The charger is told the message is kept (stored, or an offline StartTransaction's local id, which the
        // processor marks on the job): the job is written again as acknowledged, so that after a restart a refusal by
        // the CSMS is retried rather than answered to nobody, and the answer waits until that is on disk.
        entry.job.acknowledged = true;
        entry.acknowledged = true;
        this.options.log?.appendMessage(entry.seq, entry.job.identity, entry.job);
        return this.whenDurable(entry, outcome);
      }
      entry.settle?.(outcome);
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.processor!(entry.job, reply);
        this.finished?.finished(entry.job.identity);
        break;
      } catch (err) {
        // Shutdown: an acknowledged message stays in the log and is delivered after the next start.
        if (err instanceof LeftInQueue) return this.leave(entry);
        if (!(await this.again(entry, err, attempt))) break;
        if (this.closed) return this.leave(entry);
      }
    }
    this.forget(entry);
    entry.settle?.({ kind: 'expired', queued: false });
  }

  /**
   * The processor failed inside the gateway (docs/architecture.md#error-classes): a charger that still waits gets 503
   * and the message back; one it was answered for is tried again after a backoff, and after UNEXPECTED_ATTEMPTS it
   * becomes a dead letter. True to try again. The charger's later messages wait meanwhile, as they would in Redis.
   */
  private async again(entry: Entry, err: unknown, attempt: number): Promise<boolean> {
    const { job } = entry;
    this.options.logger.error(
      { err, chargeBoxIdentity: job.identity, jobId: job.id, attempt },
      'message failed inside the gateway',
    );
    if (!entry.acknowledged) entry.settle?.(failedInside);
    if (givenBack(job)) return false;
    if (attempt >= UNEXPECTED_ATTEMPTS) {
      await this.options.onFailure?.(job, err, attempt);
      return false;
    }
    await sleepUnlessAborted(retryDelayMs(attempt - 1), this.closing.signal);
    return true;
  }

  /** Not started when the queue closes: kept for the next start if acknowledged, else given back to the charger. */
  private leave(entry: Entry): void {
    this.entries.delete(entry.job.id);
    if (!entry.acknowledged) this.options.log?.removeMessage(entry.seq);
    entry.settle?.(shuttingDown);
  }

  private forget(entry: Entry): void {
    this.entries.delete(entry.job.id);
    this.options.log?.removeMessage(entry.seq);
  }

  async stats(): Promise<{ partition: string; depth: number; oldestAgeSeconds: number }[]> {
    let oldest = Infinity;
    for (const entry of this.entries.values()) oldest = Math.min(oldest, Date.parse(entry.job.receivedAt));
    return [
      {
        partition: 'embedded',
        depth: this.entries.size,
        oldestAgeSeconds: Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0,
      },
    ];
  }

  /** The charger's messages not started yet are removed, from the log too. */
  async dropQueued(identity: string): Promise<number> {
    let dropped = 0;
    for (const entry of this.entries.values()) {
      if (entry.job.identity !== identity || entry.started) continue;
      this.forget(entry);
      entry.settle?.({ kind: 'retry', reason: 'message dropped by an operator' });
      dropped++;
    }
    return dropped;
  }

  /** Stops taking messages; the ones under way finish or are left for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    await this.serialiser.drain();
  }
}
