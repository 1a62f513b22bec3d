import { randomUUID } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BullmqQueueOptions } from './bullmq-options.js';
import { LeaseManager } from './lease-manager.js';
import { partitionOf } from './partition.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import { messagesOf, runBatch, type BatchJobData } from './batch.js';
import { GroupCommit } from './group-commit.js';
import { FinishSignal } from './finish-signal.js';
import { ChargerJobs, unfinishedJobs } from './charger-jobs.js';
import { DirectDelivery, type PendingMessage } from './direct-delivery.js';
import type { PartitionKeys } from './inflight.js';
import { ReplyRouter } from './reply-router.js';
import { QueueRedis } from './queue-redis.js';
import { queueStats } from './queue-stats.js';
import type {
  FinishedMessages,
  JobOutcome,
  JobProcessor,
  SubmitOptions,
  UpstreamJob,
  UpstreamQueue,
} from './upstream-queue.js';
import { IdTable } from '../util/id-table.js';

/** A job that was active on an instance that stopped is picked up again (attempts), never dropped. */
const retryOptions = { attempts: 20, backoff: { type: 'exponential', delay: 1_000 } } as const;

/**
 * Upstream messages on BullMQ (docs/architecture.md#scale-out): one queue per partition (a hash of the identity),
 * consumed only by the instance holding the partition's lease; per-charger order by queue order and a per-charger
 * lock in the consumer. Outcomes go back to the waiting request through the ReplyRouter.
 *
 * Messages of one partition that arrive together (in the same turn of the event loop, or while the partition's
 * previous job is being written) travel as one BullMQ job (group commit, see GroupCommit and BatchJobData):
 * BullMQ's cost per job (add, move to active, move to finished, each a Lua script) is then paid once per batch rather
 * than once per message. A charger's messages keep their order inside a batch and across batches, and each message
 * still gets its own outcome. Under light load, where no batches form, DirectDelivery skips the job altogether for a
 * message that nothing of its charger can be ahead of.
 */
export class BullmqQueue implements UpstreamQueue {
  readonly kind = 'bullmq';
  readonly instanceId = randomUUID();
  private readonly connection: Redis;
  private readonly queues: Queue[] = [];
  /** Per partition, the prefix of its BullMQ job keys (a job's key is this followed by its id), for the job marks. */
  private readonly jobPrefixes: string[] = [];
  /** Per partition, the keys its claims read; they never change, so each is built on the partition's first claim. */
  private readonly claimKeys: PartitionKeys[] = [];
  private readonly workers = new Map<number, { worker: Worker; connection: Redis }>();
  private leases?: LeaseManager;
  private processor?: JobProcessor;
  private finished?: FinishedMessages;
  private readonly replies: ReplyRouter;
  private readonly serialiser = new KeyedSerialiser();
  private readonly finishes = new FinishSignal();
  private readonly counts = { jobs: 0, messages: 0 };
  private readonly direct: DirectDelivery;
  private readonly chargerJobs: ChargerJobs;
  /**
   * Per charger, its messages handed to group commit whose job is not added and marked yet: until then the charger's
   * next message must not be claimed (the claim could not see them, and it would overtake them).
   */
  private readonly notYetMarked = new IdTable<number>();
  private readonly batcher: GroupCommit<number, PendingMessage>;
  private closing = false;
  private readonly redis: QueueRedis;

  constructor(private readonly options: BullmqQueueOptions) {
    this.redis = new QueueRedis(options);
    this.connection = this.redis.main;
    for (let p = 0; p < options.partitions; p++) {
      const queue = new Queue(`upstream-p${p}`, {
        connection: this.connection as ConnectionOptions,
        prefix: options.prefix,
      });
      queue.on('error', (err) => this.redis.connections.logError(err));
      this.queues.push(queue);
      this.jobPrefixes.push(queue.toKey(''));
    }
    this.batcher = new GroupCommit(options.maxBatch ?? 64, (p, entries) => this.addBatch(p, entries));
    const records = options.recordsConnection ?? this.connection;
    this.chargerJobs = new ChargerJobs(records, options.prefix);
    this.replies = new ReplyRouter(this.connection, options.prefix, this.instanceId, options.logger, (r) =>
      this.redis.connections.watch(r),
    );
    this.direct = new DirectDelivery(records, options.prefix, {
      instanceId: this.instanceId,
      logger: options.logger,
      serialiser: this.serialiser,
      processor: () => this.processor!,
      finished: () => this.finished,
      reply: (replyTo, jobId, outcome) => this.replies.deliver(replyTo, jobId, outcome),
      commit: (p, pending) => this.commit(p, pending),
      handOff: (p, job, failed) => this.handOff(p, job, failed),
      partitionKeys: (p) => this.partitionKeys(p),
      owner: (p) => this.leases?.fresh(p) === true,
      token: (p) => this.leases?.token(p) ?? 0,
      fence: (p) => this.leases?.fence(p),
      replicated: () => this.redis.replicated(),
      marksKey: (p, identity) => this.chargerJobs.key(p, identity),
    });
  }

  /** Jobs and messages this instance added, and messages it delivered directly. */
  get added(): { jobs: number; messages: number; direct: number } {
    return { ...this.counts, direct: this.direct.delivered };
  }

  async start(processor: JobProcessor, finished?: FinishedMessages): Promise<void> {
    await this.replies.start();
    this.processor = processor;
    this.finished = finished;
    const ttlMs = this.options.leaseTtlMs ?? 10_000;
    this.leases = new LeaseManager({
      redis: this.redis.leases,
      prefix: this.options.prefix,
      instanceId: this.instanceId,
      partitions: this.options.partitions,
      ttlMs,
      renewMs: Math.max(200, Math.floor(ttlMs / 4)),
      logger: this.options.logger,
      onAcquire: async (p) => {
        await this.direct.recover(p);
        await this.markExisting(p);
        this.startWorker(p);
        this.redis.reclaimStalled(p, this.queues[p]!, this.jobPrefixes[p]!, () => this.leases?.fence(p));
        this.options.onPartition?.(p, true);
      },
      onRetaken: (p) => this.direct.recover(p, true),
      onRelease: async (p, lost) => {
        this.redis.released(p);
        // Lost: connections close now; handed back: once the CALLs out are answered (docs/architecture.md#fencing).
        if (lost) this.options.onPartition?.(p, false);
        await this.stopWorker(p).finally(() => lost || this.options.onPartition?.(p, false));
      },
    });
    await this.leases.start();
  }

  /** Partitions this instance consumes now. */
  get heldPartitions(): ReadonlySet<number> {
    return this.leases?.partitions ?? new Set();
  }

  /** The partition leases, once started (their fencing, docs/architecture.md#fencing). */
  get leaseManager(): LeaseManager | undefined {
    return this.leases;
  }

  private startWorker(p: number): void {
    const connection = this.redis.connections.watch(this.connection.duplicate());
    const logger = this.options.logger.child({ partition: p });
    const worker = new Worker<BatchJobData>(
      `upstream-p${p}`,
      (bullJob, token) =>
        runBatch(bullJob, {
          token,
          fence: () => this.leases?.fence(p),
          blocked: (identities) => this.chargerJobs.blocked(p, identities, bullJob.id!, this.jobPrefixes[p]!),
          finishedHere: (identities) => this.finishes.wait(identities, this.options.blockedPollMs ?? 250),
          closing: () => this.closing || !this.workers.has(p),
          owner: () => this.leases?.fresh(p) === true,
          redis: this.connection,
          progressKey: `${this.options.prefix}:batch-done:p${p}:${bullJob.id}`,
          logger,
          processor: this.processor!,
          finished: this.finished,
          serialiser: this.serialiser,
          deadLetter: this.options.onFailure,
          deliver: (replyTo, jobId, outcome) => this.replies.deliver(replyTo, jobId, outcome),
        }),
      {
        connection: connection as ConnectionOptions,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency ?? 64,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 1000 },
        // A job's lock lasts the lease time, so that a killed instance's active jobs are taken over within it
        // (Takeover); a charger's stored message may stall many times while the CSMS is away, and must never be
        // failed for it.
        lockDuration: this.options.leaseTtlMs ?? 10_000,
        stalledInterval: 5_000,
        maxStalledCount: 1_000,
      },
    );
    // While Redis is away every poll fails, on the worker's own connections too (BullMQ duplicates them): logged
    // at most once per 10 s for all connections.
    worker.on('error', (err) => this.redis.connections.logError(err));
    this.finishes.watch(worker);
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
    const closed = Promise.all([entry.worker.close(), ...this.direct.running(p)]);
    const timer = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), this.options.leaseTtlMs ?? 10_000).unref(),
    );
    if ((await Promise.race([closed.then(() => 'closed' as const), timer])) === 'timeout') {
      this.options.logger.warn(
        { partition: p },
        'active jobs did not finish in time; closing the partition worker without them',
      );
      await entry.worker.close(true).catch(() => undefined);
    }
    entry.connection.disconnect();
  }

  /** Why messages cannot be taken now (no Redis primary reachable), or undefined. */
  unavailable(): string | undefined {
    return this.redis.connections.problem();
  }

  submit(job: UpstreamJob, options: SubmitOptions = {}): Promise<JobOutcome> {
    return new Promise<JobOutcome>((resolve) => {
      const settle = (outcome: JobOutcome) => {
        if (!this.replies.forget(job.id)) return;
        clearTimeout(timer);
        resolve(outcome);
      };
      let [queued, late] = [false, false];
      const expire = () => settle({ kind: 'expired', queued });
      // Past the deadline with its write still out (the process was paused: timers run before the answers that came
      // meanwhile), that answer decides within 1 s; else a stored message would be sent again by its charger.
      const timer = setTimeout(
        () => ((late = true), queued ? expire() : setTimeout(expire, 1_000).unref()),
        Math.max(0, job.deadline - Date.now()),
      );
      this.replies.expect(job.id, settle);
      const p = partitionOf(job.identity, this.options.partitions);
      const pending: PendingMessage = {
        job,
        queued: () => {
          queued = true;
          // In Redis, the job (or the in-flight record) is as durable as Redis is configured to be.
          if (options.storeAtOnce) settle({ kind: 'stored' });
          if (late) expire();
        },
        failed: (err) => {
          this.options.logger.error({ err, chargeBoxIdentity: job.identity }, 'could not queue a message in Redis');
          settle({ kind: 'retry', reason: 'gateway queue (Redis) unavailable', queued: false });
        },
      };
      if (this.direct.waitingForClaim(job.identity)) this.direct.behindClaim(p, pending);
      else if (this.mayGoDirect(p, job.identity, options.storeAtOnce !== true)) this.direct.tryDirect(p, pending);
      else this.commit(p, pending);
    });
  }

  /**
   * Direct delivery is tried when nothing of the charger is on its way here already, or only its own messages claimed
   * here (the per-charger lock is taken at arrival, so that no job of the charger fetched meanwhile can run before
   * this message). At any load: a message claimed costs less than one in a BullMQ batch (bench/README.md,
   * "Thirty-first round"). `mayChain`: false for a message stored behind a backlog, whose charger's earlier message
   * waits for the CSMS: that wait may be long, so those messages wait in BullMQ, not in this process.
   */
  private mayGoDirect(p: number, identity: string, mayChain: boolean): boolean {
    return (
      (this.options.direct ?? true) &&
      this.workers.has(p) &&
      (!this.serialiser.has(identity) || (mayChain && this.direct.mayClaimBehind(identity))) &&
      !this.notYetMarked.has(identity)
    );
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
      fence: this.leases!.fenceKey(p),
    });
  }

  /**
   * A message of direct delivery as a BullMQ job of its own, with its mark: one that failed inside the gateway (tried
   * again), or one claimed behind it (docs/architecture.md#direct-delivery).
   */
  private async handOff(p: number, job: UpstreamJob, failed: boolean): Promise<void> {
    const data: BatchJobData = { replyTo: this.instanceId, messages: [job], ...(failed ? { failedBefore: 1 } : {}) };
    await this.queues[p]!.add(job.action, data, { jobId: job.id, ...retryOptions });
    await this.chargerJobs.mark(p, [job.identity], job.id, this.jobPrefixes[p]!);
  }

  /**
   * One BullMQ job for messages of partition `p` that arrived together, in arrival order. Once it is added its
   * chargers' marks name it (see ChargerJobs); a message counts as queued only when both are written.
   */
  private addBatch(p: number, entries: PendingMessage[]): Promise<unknown> {
    this.counts.jobs++;
    this.counts.messages += entries.length;
    const messages = entries.map((e) => e.job);
    const identities = messages.map((m) => m.identity);
    const data: BatchJobData = { replyTo: this.instanceId, messages };
    // The name is what the queue board shows; the id of the first message identifies the batch.
    const name = entries.length === 1 ? entries[0]!.job.action : `${entries.length} messages`;
    const jobId = entries[0]!.job.id;
    // With REDIS_MIN_REPLICAS_ACKED, stored only once replicas hold it too (docs/operations.md#redis-with-sentinel).
    return this.queues[p]!.add(name, data, { jobId, ...retryOptions })
      .then(() => this.chargerJobs.mark(p, identities, jobId, this.jobPrefixes[p]!))
      .then(() => this.redis.replicated())
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
      const marked = await this.chargerJobs.markExisting(p, () => unfinishedJobs(queue));
      if (marked > 0)
        this.options.logger.info(
          { partition: p, jobs: marked },
          'marked the chargers of the jobs queued before job marks existed',
        );
    } catch (err) {
      // Direct delivery in this partition then waits for its whole queue to be empty, as before marks.
      this.options.logger.warn(
        { err: (err as Error).message, partition: p },
        'could not mark the jobs already queued in this partition; direct delivery there waits for an empty queue',
      );
    }
  }

  stats(): Promise<{ partition: string; depth: number; oldestAgeSeconds: number }[]> {
    return queueStats(this.queues, (p) => this.direct.recorded(p));
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

  /** Graceful: stop consuming (active jobs finish or return to the queue), release the leases, answer waiters. */
  async close(): Promise<void> {
    this.closing = true;
    this.batcher.flushAll();
    await this.leases?.stop();
    await Promise.all([...this.workers.keys()].map((p) => this.stopWorker(p)));
    await Promise.all(this.queues.map((q) => q.close()));
    this.replies.close({ kind: 'retry', reason: 'gateway is shutting down' });
    this.redis.close();
  }
}
