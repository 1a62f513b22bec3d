import { randomUUID } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { LeaseManager } from './lease-manager.js';
import { partitionOf } from './partition.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import { BatchProgress, messagesOf, type BatchJobData } from './batch.js';
import { GroupCommit } from './group-commit.js';
import { ChargerJobs } from './charger-jobs.js';
import { InflightRecords, type PartitionKeys } from './inflight.js';
import { LeftInQueue, type JobOutcome, type JobProcessor, type UpstreamJob, type UpstreamQueue } from './upstream-queue.js';
import { IdTable } from '../util/id-table.js';

/**
 * Direct delivery is tried only while at most this many of this instance's requests wait for their outcome. Above it
 * the load is heavy enough for group commit to form batches, and a batch of several messages costs less than two
 * script calls per message (the benchmark's maximum throughput is reached that way, with 64 chargers waiting). Below
 * it, the bursts of a moderate load still go direct: with 16, 12 to 36% of the messages at half of the maximum went
 * through BullMQ; with 32, 4 to 7% (bench runs of issue 5).
 */
const DIRECT_MAX_WAITING = 32;

/** A job that was active on an instance that stopped is picked up again (attempts), never dropped. */
const retryOptions = { attempts: 20, backoff: { type: 'exponential', delay: 1_000 } } as const;

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
  /**
   * Direct delivery (default on): a message of a partition this instance consumes, from a charger with nothing else
   * in flight or queued, is recorded in Redis and delivered at once instead of through a BullMQ job. Off: every
   * message goes through BullMQ.
   */
  direct?: boolean;
  /**
   * Connection for the in-flight records of direct delivery and the chargers' job marks; default: the queues' own.
   * The gateway passes the registry's, so that BullMQ's connections carry only BullMQ's commands.
   */
  recordsConnection?: Redis;
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
 * previous job is being written) travel as one BullMQ job (group commit, see GroupCommit and BatchJobData):
 * BullMQ's cost per job (add, move to active, move to finished, each a Lua script) is then paid once per batch rather
 * than once per message. A charger's messages keep their order inside a batch and across batches, and each message
 * still gets its own outcome.
 *
 * Direct delivery. Under light load every BullMQ job carries one message, and a job costs the consumer about seven
 * Redis round trips (add, the fetches BullMQ's wake-up marker causes, move to finished): the gateway's CPU per message
 * doubles exactly when batches stop forming (issue 5). So a message that can go nowhere but straight to the CSMS
 * skips the job: when this instance holds the charger's partition, the charger has no message in flight and no
 * unfinished BullMQ job (its job marks, ChargerJobs), one script records the message in the partition's in-flight
 * hash (InflightRecords) and the message is processed here and now, under the same per-charger lock as the jobs.
 * The record is as durable as a job: it is removed only when the message is delivered (or handed to BullMQ after a
 * failure), and the partition's next consumer delivers what an instance that died or stopped left there before it
 * takes any job of the partition. Everything else (a charger's message behind one of its own in flight or queued,
 * another instance's partition, a heavy load) goes through BullMQ, behind what the charger has there. Other
 * chargers' jobs do not hold a charger back: ordering is per charger, and a burst that queues some chargers leaves
 * the rest direct.
 */
export class BullmqQueue implements UpstreamQueue {
  readonly kind = 'bullmq';
  readonly instanceId = randomUUID();
  private readonly connection: Redis;
  private readonly subscriber: Redis;
  private readonly queues: Queue[] = [];
  /** Per partition, the prefix of its BullMQ job keys (a job's key is this followed by its id), for the job marks. */
  private readonly jobPrefixes: string[] = [];
  /** Per partition, the keys its claims read; they never change, so each is built on the partition's first claim. */
  private readonly claimKeys: PartitionKeys[] = [];
  private readonly workers = new Map<number, { worker: Worker; connection: Redis }>();
  private leases?: LeaseManager;
  private processor?: JobProcessor;
  private readonly waiters = new IdTable<(outcome: JobOutcome) => void>();
  private readonly serialiser = new KeyedSerialiser();
  /** BullMQ jobs and messages this instance added (their ratio is the mean batch size). */
  readonly added = { jobs: 0, messages: 0, direct: 0 };
  private readonly inflight: InflightRecords;
  private readonly chargerJobs: ChargerJobs;
  /**
   * Direct deliveries under way, per partition and message id: a partition is given up only when they are done, and
   * a record found again on takeover is not run twice.
   */
  private readonly directRuns = new Map<number, IdTable<Promise<void>>>();
  /**
   * Per charger, its messages handed to group commit whose job is not added and marked yet: until then the charger's
   * next message must not be claimed (the claim could not see them, and it would overtake them).
   */
  private readonly notYetMarked = new IdTable<number>();
  /**
   * Per charger, a message waiting for its claim's answer and the charger's next messages behind it: those are queued
   * only once the claim is answered, so that a claim that fails cannot put its message behind them.
   */
  private readonly claimsUnanswered = new KeyedSerialiser();
  private readonly batcher: GroupCommit<number, PendingMessage>;

  constructor(private readonly options: BullmqQueueOptions) {
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.subscriber = this.connection.duplicate();
    for (let p = 0; p < options.partitions; p++) {
      const queue = new Queue(`upstream-p${p}`, { connection: this.connection as ConnectionOptions, prefix: options.prefix });
      this.queues.push(queue);
      this.jobPrefixes.push(queue.toKey(''));
    }
    this.batcher = new GroupCommit(options.maxBatch ?? 64, (p, entries) => this.addBatch(p, entries));
    this.inflight = new InflightRecords(options.recordsConnection ?? this.connection, options.prefix);
    this.chargerJobs = new ChargerJobs(options.recordsConnection ?? this.connection, options.prefix);
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
        await this.recover(p);
        await this.markExisting(p);
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
    const closed = Promise.all([entry.worker.close(), ...(this.directRuns.get(p)?.values() ?? [])]);
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
      const p = partitionOf(job.identity, this.options.partitions);
      const pending: PendingMessage = {
        job,
        queued: () => {
          queued = true;
        },
        failed: (err) => {
          this.options.logger.error({ err, chargeBoxIdentity: job.identity }, 'could not queue a message in Redis');
          settle({ kind: 'retry', reason: 'gateway queue (Redis) unavailable', queued: false });
        },
      };
      if (this.claimsUnanswered.has(job.identity)) {
        void this.claimsUnanswered.run(job.identity, async () => this.commit(p, pending));
        return;
      }
      // Direct delivery is tried only when nothing of the charger is on its way here already: the per-charger lock is
      // taken now, so that no job of the charger fetched meanwhile can run before this message.
      if (
        (this.options.direct ?? true) &&
        this.waiters.size <= DIRECT_MAX_WAITING &&
        this.workers.has(p) &&
        !this.serialiser.has(job.identity) &&
        !this.notYetMarked.has(job.identity)
      ) {
        let answered!: () => void;
        const claimAnswered = new Promise<void>((resolve) => (answered = resolve));
        void this.claimsUnanswered.run(job.identity, () => claimAnswered);
        void this.serialiser.run(job.identity, () => this.directOrQueued(p, pending, answered));
      } else this.commit(p, pending);
    });
  }

  /** To group commit, which adds the message's job and marks it; the charger is not claimed for until then. */
  private commit(p: number, pending: PendingMessage): void {
    const identity = pending.job.identity;
    this.notYetMarked.set(identity, (this.notYetMarked.get(identity) ?? 0) + 1);
    this.batcher.add(p, pending);
  }

  private committed(identity: string): void {
    const left = (this.notYetMarked.get(identity) ?? 1) - 1;
    if (left > 0) this.notYetMarked.set(identity, left);
    else this.notYetMarked.delete(identity);
  }

  private partitionKeys(p: number): PartitionKeys {
    const keys = this.queues[p]!.keys;
    return (this.claimKeys[p] ??= {
      lease: this.leases!.key(p),
      wait: keys.wait!,
      active: keys.active!,
      delayed: keys.delayed!,
      jobPrefix: this.jobPrefixes[p]!,
      marksComplete: this.chargerJobs.completeKey(p),
    });
  }

  /** Under the charger's lock: delivered here if the claim succeeds, otherwise queued as any message. */
  private async directOrQueued(p: number, pending: PendingMessage, answered: () => void): Promise<void> {
    let claimed = false;
    try {
      claimed = await this.inflight.claim(p, this.partitionKeys(p), this.chargerJobs.key(p, pending.job.identity), this.instanceId, pending.job);
    } catch (err) {
      // Redis is in trouble: the queue's own write then says so to the charger (or succeeds after a reconnection).
      this.options.logger.debug({ err: (err as Error).message }, 'direct delivery claim failed; queueing the message');
    }
    if (!claimed) {
      this.commit(p, pending);
      answered();
      return;
    }
    answered();
    pending.queued();
    this.added.direct++;
    await this.runDirect(p, pending.job);
  }

  /** Delivers one recorded message here (under its charger's lock), then removes its record. */
  private runDirect(p: number, job: UpstreamJob): Promise<void> {
    const log = this.options.logger;
    let runs = this.directRuns.get(p);
    if (!runs) this.directRuns.set(p, (runs = new IdTable()));
    const run: Promise<void> = (async () => {
      try {
        await this.processor!(job, (outcome) => this.deliver(this.instanceId, job.id, outcome));
      } catch (err) {
        if (err instanceof LeftInQueue) {
          // Shutdown: the record stays, and the partition's next consumer delivers the message.
          log.info({ chargeBoxIdentity: job.identity, jobId: job.id }, err.message);
          return;
        }
        log.error({ err, chargeBoxIdentity: job.identity, jobId: job.id }, 'direct delivery failed inside the gateway; the message goes to BullMQ, which retries it');
        this.deliver(this.instanceId, job.id, { kind: 'retry', reason: 'gateway failed to process the message' });
        try {
          const data: BatchJobData = { replyTo: this.instanceId, messages: [job] };
          await this.queues[p]!.add(job.action, data, { jobId: job.id, ...retryOptions });
          await this.chargerJobs.mark(p, [job.identity], job.id, this.jobPrefixes[p]!);
        } catch (addErr) {
          // The record stays: the partition's next consumer delivers the message.
          log.error({ err: addErr, chargeBoxIdentity: job.identity, jobId: job.id }, 'could not hand a failed direct delivery to BullMQ; its record stays in Redis');
          return;
        }
      }
      await this.inflight.release(p, job).catch((err: unknown) => {
        log.warn({ err: (err as Error).message, chargeBoxIdentity: job.identity, jobId: job.id }, 'could not remove the record of a delivered message; the next consumer may deliver it again');
      });
    })().finally(() => runs.delete(job.id));
    runs.set(job.id, run);
    return run;
  }

  /**
   * Taking a partition over: the messages its previous consumer was delivering directly when it died or stopped are
   * delivered first (each takes its charger's lock before any job of the partition can be fetched).
   */
  private async recover(p: number): Promise<void> {
    let left: UpstreamJob[];
    try {
      left = await this.inflight.list(p);
    } catch (err) {
      this.options.logger.error({ err, partition: p }, 'could not read the messages left in flight in this partition; they are delivered when it is next taken over');
      return;
    }
    const running = this.directRuns.get(p);
    const toRun = left.filter((job) => !running?.has(job.id));
    if (toRun.length === 0) return;
    this.options.logger.warn({ partition: p, messages: toRun.length }, 'delivering the messages a previous consumer of this partition left in flight');
    for (const job of toRun) void this.serialiser.run(job.identity, () => this.runDirect(p, job));
  }

  /**
   * One BullMQ job for messages of partition `p` that arrived together, in arrival order. Once it is added its
   * chargers' marks name it (see ChargerJobs); a message counts as queued only when both are written.
   */
  private addBatch(p: number, entries: PendingMessage[]): Promise<unknown> {
    this.added.jobs++;
    this.added.messages += entries.length;
    const messages = entries.map((e) => e.job);
    const data: BatchJobData = { replyTo: this.instanceId, messages };
    // The name is what the queue board shows; the id of the first message identifies the batch.
    const name = entries.length === 1 ? entries[0]!.job.action : `${entries.length} messages`;
    const jobId = entries[0]!.job.id;
    return this.queues[p]!
      .add(name, data, { jobId, ...retryOptions })
      .then(() => this.chargerJobs.mark(p, messages.map((m) => m.identity), jobId, this.jobPrefixes[p]!))
      .then(
        () => {
          for (const e of entries) e.queued();
        },
        (err: unknown) => {
          for (const e of entries) e.failed(err);
        },
      )
      .finally(() => {
        for (const e of entries) this.committed(e.job.identity);
      });
  }

  /** The chargers of the jobs already in a partition's queue are marked once (see ChargerJobs.markExisting). */
  private async markExisting(p: number): Promise<void> {
    const queue = this.queues[p]!;
    try {
      const marked = await this.chargerJobs.markExisting(p, async () =>
        (await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized'])).filter((job) => job?.id).map((job) => ({
          id: job.id!,
          identities: messagesOf(job.data as BatchJobData).map((m) => m.identity),
        })),
      );
      if (marked > 0) this.options.logger.info({ partition: p, jobs: marked }, 'marked the chargers of the jobs queued before job marks existed');
    } catch (err) {
      // Direct delivery in this partition then waits for its whole queue to be empty, as before marks.
      this.options.logger.warn({ err: (err as Error).message, partition: p }, 'could not mark the jobs already queued in this partition; direct delivery there waits for an empty queue');
    }
  }

  async stats(): Promise<{ partition: string; depth: number; oldestAgeSeconds: number }[]> {
    return Promise.all(
      this.queues.map(async (q, p) => {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed');
        const [oldest] = await q.getJobs(['waiting', 'delayed'], 0, 0, true);
        // Messages delivered directly count too: one the CSMS has not taken yet waits as long as any job.
        const direct = await this.inflight.list(p);
        const oldestAt = Math.min(oldest ? oldest.timestamp : Infinity, direct.length > 0 ? Date.parse(direct[0]!.receivedAt) : Infinity);
        return {
          partition: String(p),
          depth: (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + direct.length,
          oldestAgeSeconds: Number.isFinite(oldestAt) ? (Date.now() - oldestAt) / 1000 : 0,
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
      await this.chargerJobs.unmark(partitionOf(identity, this.options.partitions), identity, job.id!);
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
