import type { Redis } from 'ioredis';
import type { Logger } from '../util/log.js';
import { IdTable } from '../util/id-table.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import { FencedOut, type Fence } from '../util/lua-command.js';
import { InflightRecords, type PartitionKeys, type RecordedMessage } from './inflight.js';
import {
  failedInside,
  givenBack,
  LeftInQueue,
  type JobOutcome,
  type JobProcessor,
  type UpstreamJob,
} from './upstream-queue.js';

/** A submitted message on its way into the queue: told when it is durably queued, or that it could not be. */
export interface PendingMessage {
  job: UpstreamJob;
  queued(): void;
  failed(err: unknown): void;
}

/** What direct delivery needs from the BullMQ queue it works beside. */
export interface DirectDeliveryHost {
  readonly instanceId: string;
  readonly logger: Logger;
  /** The per-charger lock under which both BullMQ jobs and direct deliveries run. */
  readonly serialiser: KeyedSerialiser;
  processor(): JobProcessor;
  /** An outcome for a request waiting on instance `replyTo` (this one, or over Redis). */
  reply(replyTo: string, jobId: string, outcome: JobOutcome): void;
  /** Queues a message as a BullMQ job (group commit); the fallback when a claim fails. */
  commit(partition: number, pending: PendingMessage): void;
  /** Adds a message that failed inside the gateway as a BullMQ job of its own (with its mark), for retries. */
  handOff(partition: number, job: UpstreamJob): Promise<void>;
  partitionKeys(partition: number): PartitionKeys;
  /** This instance's fencing token of the partition (0: not held): its claims are conditional on it. */
  token(partition: number): number;
  /** What its writes of the partition's records are conditional on (LeaseManager.fence). */
  fence(partition: number): Fence | undefined;
  /** False once the partition's lease may have passed to another instance: nothing more is delivered here. */
  owner(partition: number): boolean;
  /** Resolves once the claim's write reached the replicas REDIS_MIN_REPLICAS_ACKED asks for (rejects if not). */
  replicated(): Promise<void>;
  /** The key of a charger's job marks (ChargerJobs.key). */
  marksKey(partition: number, identity: string): string;
}

/**
 * Direct delivery (docs/architecture.md#direct-delivery): a message that nothing of its charger can be ahead of is
 * recorded in the partition's in-flight hash by one claim script and delivered here and now, under the charger's
 * lock, without a BullMQ job. The record is as durable as a job: it goes only when the message is delivered (or
 * handed to BullMQ after a failure), and the partition's next consumer delivers what is left (recover).
 */
export class DirectDelivery {
  private readonly inflight: InflightRecords;
  /** Deliveries under way, per partition and message id: a partition is given up only when they are done. */
  private readonly runs = new Map<number, IdTable<Promise<void>>>();
  /**
   * Per charger, a message waiting for its claim's answer and the charger's next messages behind it: those are
   * queued only once the claim is answered, so that a claim that fails cannot put its message behind them.
   */
  private readonly claimsUnanswered = new KeyedSerialiser();
  /**
   * Per partition, messages whose delivery found the lease lapsed (before or during its CALL) and left their record: if
   * the lease is renewed or taken again here, they are delivered then, even for a charger whose lock is held (its later
   * messages queue behind the record).
   */
  private readonly stranded = new Map<number, Set<string>>();
  delivered = 0;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly host: DirectDeliveryHost,
  ) {
    this.inflight = new InflightRecords(redis, prefix);
  }

  /** A charger whose earlier message still waits for its claim's answer: its next message waits too. */
  waitingForClaim(identity: string): boolean {
    return this.claimsUnanswered.has(identity);
  }

  /** Queues `pending` behind the charger's unanswered claim. */
  behindClaim(partition: number, pending: PendingMessage): void {
    void this.claimsUnanswered.run(pending.job.identity, async () => this.host.commit(partition, pending));
  }

  /** Claims and delivers here, or queues if the claim fails. The charger's lock is taken at once, before the claim. */
  tryDirect(partition: number, pending: PendingMessage): void {
    let answered!: () => void;
    const claimAnswered = new Promise<void>((resolve) => (answered = resolve));
    void this.claimsUnanswered.run(pending.job.identity, () => claimAnswered);
    void this.host.serialiser.run(pending.job.identity, () => this.directOrQueued(partition, pending, answered));
  }

  private async directOrQueued(p: number, pending: PendingMessage, answered: () => void): Promise<void> {
    let claimed = false;
    try {
      claimed = await this.inflight.claim(
        p,
        this.host.partitionKeys(p),
        this.host.marksKey(p, pending.job.identity),
        this.host.instanceId,
        pending.job,
        this.host.token(p),
      );
    } catch (err) {
      // Redis is in trouble: the queue's own write then says so to the charger (or succeeds after a reconnection).
      this.host.logger.debug({ err: (err as Error).message }, 'direct delivery claim failed; queueing the message');
    }
    if (!claimed) {
      this.host.commit(p, pending);
      answered();
      return;
    }
    answered();
    try {
      await this.host.replicated();
      pending.queued();
    } catch (err) {
      // Not known to survive a failover: the charger is not told it is stored (it resends); the record is delivered.
      pending.failed(err);
    }
    this.delivered++;
    await this.run(p, pending.job, this.host.instanceId);
  }

  /**
   * Delivers one recorded message here (under its charger's lock), then removes its record. `replyTo`: the instance
   * that claimed it, where the charger's request may wait.
   */
  private run(p: number, job: UpstreamJob, replyTo: string): Promise<void> {
    let runs = this.runs.get(p);
    if (!runs) this.runs.set(p, (runs = new IdTable()));
    const run = this.deliver(p, job, replyTo).finally(() => runs.delete(job.id));
    runs.set(job.id, run);
    return run;
  }

  private async deliver(p: number, job: UpstreamJob, replyTo: string): Promise<void> {
    const log = this.host.logger;
    let acknowledged = job.acknowledged === true;
    if (!this.host.owner(p)) {
      // Frozen past the lease: the record stays, and the lease's new holder delivers the message (recover).
      log.warn({ chargeBoxIdentity: job.identity, jobId: job.id }, 'partition lease lapsed: not delivering here');
      this.strand(p, job.id);
      return;
    }
    try {
      await this.host.processor()(job, (outcome) => {
        // Told it is kept (stored, or a local transaction id): the record says so, for the next consumer after a restart.
        if ((outcome.kind === 'stored' || job.acknowledged) && !acknowledged) {
          acknowledged = true;
          job.acknowledged = true;
          this.inflight
            .update(p, job, replyTo, this.host.fence(p))
            .catch(
              (err: unknown) =>
                err instanceof FencedOut ||
                log.warn(
                  { err: (err as Error).message, jobId: job.id },
                  'could not record in Redis that a stored message was acknowledged',
                ),
            );
        }
        this.host.reply(replyTo, job.id, outcome);
      });
    } catch (err) {
      if (err instanceof LeftInQueue) {
        // Shutdown, or the lease lapsed during the delivery: the record stays, for the partition's next consumer, or
        // for this one when its lease is renewed or taken again (recover).
        log.info({ chargeBoxIdentity: job.identity, jobId: job.id }, err.message);
        this.strand(p, job.id);
        return;
      }
      // docs/architecture.md#error-classes: a charger that still waits gets 503 and the message back; one it was
      // answered for goes to BullMQ, which tries it again.
      log.error(
        { err, chargeBoxIdentity: job.identity, jobId: job.id, attempt: 1 },
        'message failed inside the gateway',
      );
      this.host.reply(replyTo, job.id, failedInside);
      if (!givenBack(job))
        try {
          await this.host.handOff(p, job);
        } catch (addErr) {
          // The record stays: the partition's next consumer delivers the message.
          log.error(
            { err: addErr, chargeBoxIdentity: job.identity, jobId: job.id },
            'could not hand a failed direct delivery to BullMQ; its record stays in Redis',
          );
          return;
        }
    }
    await this.inflight.release(p, job, this.host.fence(p)).catch((err: unknown) => {
      // Fenced out: the record is a newer owner's now (the step back is logged once, by the lease manager).
      if (err instanceof FencedOut) return;
      log.warn(
        { err: (err as Error).message, chargeBoxIdentity: job.identity, jobId: job.id },
        'could not remove the record of a delivered message; the next consumer may deliver it again',
      );
    });
  }

  /** A record left by a delivery that stopped on a lapsed lease: delivered if the lease is renewed or taken again here. */
  private strand(p: number, id: string): void {
    let ids = this.stranded.get(p);
    if (!ids) this.stranded.set(p, (ids = new Set()));
    ids.add(id);
  }

  /**
   * Taking a partition over: the messages its previous consumer was delivering directly when it died or stopped are
   * delivered first (each takes its charger's lock before any job of the partition can be fetched). `idleOnly`: the
   * partition was consumed here all along (its lease retaken): only chargers with nothing under way here, since a
   * charger's lock is held from before its claim until its record goes.
   */
  async recover(p: number, idleOnly = false): Promise<void> {
    let left: RecordedMessage[];
    try {
      left = await this.inflight.list(p);
    } catch (err) {
      this.host.logger.error(
        { err, partition: p },
        'could not read the messages left in flight in this partition; they are delivered when it is next taken over',
      );
      return;
    }
    const stranded = this.stranded.get(p);
    this.stranded.delete(p);
    const toRun = toRecover(left, {
      running: this.runs.get(p),
      busy: (identity) => this.host.serialiser.has(identity),
      stranded,
      idleOnly,
    });
    if (toRun.length === 0) return;
    this.host.logger.warn(
      { partition: p, messages: toRun.length },
      'delivering the messages a previous consumer of this partition left in flight',
    );
    // The charger's request may still wait on the instance that claimed the message (a partition handed back while
    // its delivery was refused): the outcome goes there (docs/architecture.md#direct-delivery).
    for (const { job, replyTo } of toRun)
      void this.host.serialiser.run(job.identity, () => this.run(p, job, replyTo ?? this.host.instanceId));
  }

  /** Deliveries under way in a partition (it is given up only once they end). */
  running(p: number): Promise<void>[] {
    return [...(this.runs.get(p)?.values() ?? [])];
  }

  /** Messages recorded in flight in a partition, oldest first (queue statistics). */
  async recorded(p: number): Promise<UpstreamJob[]> {
    return (await this.inflight.list(p)).map((r) => r.job);
  }
}

/**
 * Which of a partition's in-flight records a consumer delivers on taking it (over or again): not those it is
 * delivering now; on taking it again (`idleOnly`), not those of a charger whose lock is held here (its own run will
 * settle the record), except a record its run left because the lease had lapsed (`stranded`): nothing else would
 * deliver that one until the next takeover.
 */
export function toRecover(
  left: RecordedMessage[],
  here: {
    running?: { has(id: string): boolean };
    busy: (identity: string) => boolean;
    stranded?: Set<string>;
    idleOnly: boolean;
  },
): RecordedMessage[] {
  return left.filter(
    ({ job }) =>
      !here.running?.has(job.id) && (here.stranded?.has(job.id) || !(here.idleOnly && here.busy(job.identity))),
  );
}
