import { randomUUID } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { LeaseManager } from './lease-manager.js';
import { partitionOf } from './partition.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import { BatchProgress, messagesOf, type BatchJobData } from './batch.js';
import { GroupCommit } from './group-commit.js';
import { type JobOutcome, type JobProcessor, type UpstreamJob, type UpstreamQueue } from './upstream-queue.js';

/** A submitted message waiting for its batch to be written to Redis. */
interface PendingMessage {
  job: UpstreamJob;
  queued(): void;
  failed(err: unknown): void;
}

interface ReplyMessage {
  jobId: string;
  outcome: JobOutcome;
}

export interface BullmqQueueOptions {
  redisUrl: string;
  prefix: string;
  partitions: number;
  /** Jobs processed at once per partition (different chargers; one charger is always one at a time). */
  concurrency?: number;
  /** Most messages one BullMQ job carries (group commit of one partition's messages arriving together). */
  maxBatch?: number;
  /** Partition lease time-to-live: the bound on takeover after an instance dies. */
  leaseTtlMs?: number;
  logger: Logger;
  /** Told when this instance starts or stops consuming a partition (to open or close its chargers' WebSockets). */
  onPartition?(partition: number, held: boolean): void;
}

/**
 * Upstream jobs on BullMQ: one queue per partition (a hash of the identity), per-charger FIFO by queue order and
 * a per-charger lock in the consumer. The outcome goes back to the instance whose HTTP request waits for it over
 * that instance's own Redis pub/sub channel (architecture: "Scale-out"), or directly when it is the same instance.
 *
 * Messages of one partition that arrive together (in the same turn of the event loop, or while the partition's
 * previous job is being written) travel as one BullMQ job (group commit, see GroupCommit and BatchJobData): BullMQ's cost per job (add, move to active, move to finished, each a Lua script) is then paid
 * once per batch rather than once per message. A charger's messages keep their order inside a batch and across
 * batches, and each message still gets its own outcome.
 */
export class BullmqQueue implements UpstreamQueue {
  readonly kind = 'bullmq';
  readonly instanceId = randomUUID();
  private readonly connection: Redis;
  private readonly subscriber: Redis;
  private readonly queues: Queue[] = [];
  private readonly workers = new Map<number, { worker: Worker; connection: Redis }>();
  private leases?: LeaseManager;
  private processor?: JobProcessor;
  private readonly waiters = new Map<string, (outcome: JobOutcome) => void>();
  private readonly serialiser = new KeyedSerialiser();
  /** BullMQ jobs and messages this instance added (their ratio is the mean batch size). */
  readonly added = { jobs: 0, messages: 0 };
  private readonly batcher: GroupCommit<number, PendingMessage>;

  constructor(private readonly options: BullmqQueueOptions) {
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.subscriber = this.connection.duplicate();
    for (let p = 0; p < options.partitions; p++) {
      this.queues.push(new Queue(`upstream-p${p}`, { connection: this.connection as ConnectionOptions, prefix: options.prefix }));
    }
    this.batcher = new GroupCommit(options.maxBatch ?? 64, (p, entries) => this.addBatch(p, entries));
  }

  private get replyChannel(): string {
    return `${this.options.prefix}:reply:${this.instanceId}`;
  }

  async start(processor: JobProcessor): Promise<void> {
    this.subscriber.on('message', (_channel, message) => {
      try {
        const { jobId, outcome } = JSON.parse(message) as ReplyMessage;
        this.waiters.get(jobId)?.(outcome);
      } catch (err) {
        this.options.logger.error({ err }, 'unreadable reply message on the reply channel');
      }
    });
    await this.subscriber.subscribe(this.replyChannel);
    this.processor = processor;
    const ttlMs = this.options.leaseTtlMs ?? 10_000;
    this.leases = new LeaseManager({
      redis: this.connection,
      prefix: this.options.prefix,
      instanceId: this.instanceId,
      partitions: this.options.partitions,
      ttlMs,
      renewMs: Math.max(200, Math.floor(ttlMs / 4)),
      logger: this.options.logger,
      onAcquire: async (p) => {
        this.startWorker(p);
        this.options.onPartition?.(p, true);
      },
      onRelease: async (p) => {
        this.options.onPartition?.(p, false);
        await this.stopWorker(p);
      },
    });
    await this.leases.start();
  }

  /** Partitions this instance consumes now. */
  get heldPartitions(): ReadonlySet<number> {
    return this.leases?.partitions ?? new Set();
  }

  private startWorker(p: number): void {
    const processor = this.processor!;
    const connection = this.connection.duplicate();
    const worker = new Worker<BatchJobData>(
      `upstream-p${p}`,
      async (bullJob) => {
        const messages = messagesOf(bullJob.data);
        const replyTo = bullJob.data.replyTo;
        const progress =
          messages.length > 1
            ? new BatchProgress(this.connection, `${this.options.prefix}:batch-done:p${p}:${bullJob.id}`, (err) =>
                this.options.logger.warn({ err: (err as Error).message, partition: p, batch: bullJob.id }, 'could not record the progress of a batch'),
              )
            : undefined;
        // Started before (its instance died, or it failed): what that run finished is not sent again.
        const finished = progress && bullJob.attemptsStarted > 1 ? await progress.finishedBefore() : new Set<string>();
        let failure: unknown;
        await Promise.all(
          messages
            .filter((job) => !finished.has(job.id))
            .map((job) =>
              this.serialiser.run(job.identity, async () => {
                let replied = false;
                const reply = (outcome: JobOutcome) => {
                  if (replied) return;
                  replied = true;
                  this.deliver(replyTo, job.id, outcome);
                };
                try {
                  await processor(job, reply);
                  progress?.markDone(job.id);
                } catch (err) {
                  failure ??= err;
                  this.options.logger.error({ err, chargeBoxIdentity: job.identity, jobId: job.id }, 'upstream job failed inside the gateway; BullMQ will retry it');
                  reply({ kind: 'retry', reason: 'gateway failed to process the message' });
                }
              }),
            ),
        );
        // A failed batch goes back to BullMQ, which retries it (attempts) without its finished messages, so nothing
        // acknowledged is dropped and nothing finished is sent twice.
        if (failure) {
          await progress?.record();
          throw failure;
        }
        await progress?.finish();
      },
      {
        connection: connection as ConnectionOptions,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency ?? 64,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 1000 },
        // A killed instance's active jobs return to the queue within seconds, not the 30 s default;
        // a charger's stored message may stall many times while the CSMS is away, and must never be failed for it.
        lockDuration: 10_000,
        stalledInterval: 5_000,
        maxStalledCount: 1_000,
      },
    );
    // While Redis is away every poll fails; one line per partition per 10 s says so without flooding the log.
    let lastLogged = 0;
    worker.on('error', (err) => {
      if (Date.now() - lastLogged < 10_000) return;
      lastLogged = Date.now();
      this.options.logger.error({ err, partition: p }, 'BullMQ worker error (repeats suppressed for 10 s)');
    });
    this.workers.set(p, { worker, connection });
  }

  /**
   * Stops consuming a partition: active jobs get up to the lease TTL to finish; after that the worker is closed
   * without waiting, and BullMQ hands what was still active to the next owner (stalled-job recovery).
   */
  private async stopWorker(p: number): Promise<void> {
    const entry = this.workers.get(p);
    if (!entry) return;
    this.workers.delete(p);
    const closed = entry.worker.close();
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), this.options.leaseTtlMs ?? 10_000).unref());
    if ((await Promise.race([closed.then(() => 'closed' as const), timer])) === 'timeout') {
      this.options.logger.warn({ partition: p }, 'active jobs did not finish in time; closing the partition worker without them');
      await entry.worker.close(true).catch(() => undefined);
    }
    entry.connection.disconnect();
  }

  private deliver(replyTo: string, jobId: string, outcome: JobOutcome): void {
    if (replyTo === this.instanceId) {
      this.waiters.get(jobId)?.(outcome);
      return;
    }
    const message: ReplyMessage = { jobId, outcome };
    this.connection.publish(`${this.options.prefix}:reply:${replyTo}`, JSON.stringify(message)).catch((err: unknown) => {
      this.options.logger.error({ err, jobId }, 'could not publish a reply');
    });
  }

  submit(job: UpstreamJob): Promise<JobOutcome> {
    return new Promise<JobOutcome>((resolve) => {
      const settle = (outcome: JobOutcome) => {
        if (!this.waiters.delete(job.id)) return;
        clearTimeout(timer);
        resolve(outcome);
      };
      let queued = false;
      const timer = setTimeout(() => settle({ kind: 'expired', queued }), Math.max(0, job.deadline - Date.now()));
      this.waiters.set(job.id, settle);
      this.batcher.add(partitionOf(job.identity, this.options.partitions), {
        job,
        queued: () => {
          queued = true;
        },
        failed: (err) => {
          this.options.logger.error({ err, chargeBoxIdentity: job.identity }, 'could not queue a message in Redis');
          settle({ kind: 'retry', reason: 'gateway queue (Redis) unavailable', queued: false });
        },
      });
    });
  }

  /** One BullMQ job for messages of partition `p` that arrived together, in arrival order. */
  private addBatch(p: number, entries: PendingMessage[]): Promise<unknown> {
    this.added.jobs++;
    this.added.messages += entries.length;
    const data: BatchJobData = { replyTo: this.instanceId, messages: entries.map((e) => e.job) };
    // The name is what the queue board shows; the id of the first message identifies the batch.
    const name = entries.length === 1 ? entries[0]!.job.action : `${entries.length} messages`;
    // A job that was active on an instance that stopped is picked up again (attempts), never dropped.
    return this.queues[p]!.add(name, data, { jobId: entries[0]!.job.id, attempts: 20, backoff: { type: 'exponential', delay: 1_000 } }).then(
      () => {
        for (const e of entries) e.queued();
      },
      (err: unknown) => {
        for (const e of entries) e.failed(err);
      },
    );
  }

  async stats(): Promise<{ partition: string; depth: number; oldestAgeSeconds: number }[]> {
    return Promise.all(
      this.queues.map(async (q, p) => {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed');
        const [oldest] = await q.getJobs(['waiting', 'delayed'], 0, 0, true);
        return {
          partition: String(p),
          depth: (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0),
          oldestAgeSeconds: oldest ? (Date.now() - oldest.timestamp) / 1000 : 0,
        };
      }),
    );
  }

  /**
   * The charger's messages in waiting and delayed jobs are removed (a batch keeps the other chargers' messages);
   * a job a worker already holds runs to its end.
   */
  async dropQueued(identity: string): Promise<number> {
    const queue = this.queues[partitionOf(identity, this.options.partitions)]!;
    let dropped = 0;
    for (const job of await queue.getJobs(['waiting', 'delayed'])) {
      if (!job) continue;
      const messages = messagesOf(job.data);
      const kept = messages.filter((m) => m.identity !== identity);
      if (kept.length === messages.length) continue;
      if (kept.length === 0) await job.remove();
      else await job.updateData({ replyTo: job.data.replyTo, messages: kept });
      dropped += messages.length - kept.length;
    }
    return dropped;
  }

  /** The BullMQ queues, for the queue board. */
  get allQueues(): readonly Queue[] {
    return this.queues;
  }

  /** Redis for the registry and readiness checks, shared with the queues. */
  get redis(): Redis {
    return this.connection;
  }

  /** Graceful: stop consuming (active jobs finish or return to the queue), release the leases, answer waiters. */
  async close(): Promise<void> {
    this.batcher.flushAll();
    await this.leases?.stop();
    await Promise.all([...this.workers.keys()].map((p) => this.stopWorker(p)));
    await Promise.all(this.queues.map((q) => q.close()));
    for (const settle of this.waiters.values()) settle({ kind: 'retry', reason: 'gateway is shutting down' });
    this.subscriber.disconnect();
    this.connection.disconnect();
  }
}
