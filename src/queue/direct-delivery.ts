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
  type FinishedMessages,
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
  /** Told of each message delivered to its end (UpstreamQueue.start). */
  finished(): FinishedMessages | undefined;
  /** An outcome for a request waiting on instance `replyTo` (this one, or over Redis). */
  reply(replyTo: string, jobId: string, outcome: JobOutcome): void;
  /** Queues a message as a BullMQ job (group commit); the fallback when a claim fails. */
  commit(partition: number, pending: PendingMessage): void;
  /**
   * Adds a message as a BullMQ job of its own (with its mark): one that failed inside the gateway, for retries
   * (`failed`), or one claimed behind it, so that it stays behind it.
   */
  handOff(partition: number, job: UpstreamJob, failed: boolean): Promise<void>;
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
 * At most this many of a charger's messages are claimed here at once (delivered, or waiting for its lock); its next
 * ones go through BullMQ. It bounds what a charger whose CSMS is slow holds in this process.
 */
export const MAX_CLAIMED_PER_CHARGER = 16;

/** At most this many messages are claimed behind another of their charger here, all chargers together. */
export const MAX_CLAIMED_BEHIND = 4_096;

/**
 * A charger's messages claimed here and not yet settled. `detour`: one of them could not be delivered here (its
 * record stays for the partition's next consumer, or it became a BullMQ job), so the ones behind it follow the same
 * way instead of overtaking it.
 */
interface Chain {
  queued: number;
  detour?: 'stranded' | 'handedOff';
}

/** How a direct delivery ended: delivered (or given back to its charger), its record left, or made a BullMQ job. */
type RunEnd = 'done' | 'stranded' | 'handedOff';

/**
 * Direct delivery (docs/architecture.md#direct-delivery): a message that nothing of its charger can be ahead of, other
 * than its own messages this instance delivers, is recorded in the partition's in-flight hash by one claim script and
 * delivered here, under the charger's lock, without a BullMQ job. The record is as durable as a job: it goes only
 * when the message is delivered (or handed to BullMQ after a failure), and the partition's next consumer delivers what
 * is left (recover).
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
  /** Per charger, its messages claimed (or recovered) here whose delivery has not ended. */
  private readonly chains = new Map<string, Chain>();
  /** Messages of the chains that are not their charger's first (MAX_CLAIMED_BEHIND). */
  private claimedBehind = 0;
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

  /**
   * Whether a message of a charger whose lock is held here may still be claimed: only behind its own messages claimed
   * here, none of which took a detour, and fewer than MAX_CLAIMED_PER_CHARGER of them (MAX_CLAIMED_BEHIND in all).
   */
  mayClaimBehind(identity: string): boolean {
    const chain = this.chains.get(identity);
    return (
      chain !== undefined &&
      chain.detour === undefined &&
      chain.queued < MAX_CLAIMED_PER_CHARGER &&
      this.claimedBehind < MAX_CLAIMED_BEHIND
    );
  }

  /** Queues `pending` behind the charger's unanswered claim. */
  behindClaim(partition: number, pending: PendingMessage): void {
    void this.claimsUnanswered.run(pending.job.identity, async () => this.host.commit(partition, pending));
  }

  /**
   * Claims and delivers here, or queues if the claim fails. The message's place on its charger's lock is taken at
   * once, in arrival order, and the claim goes out meanwhile: the charger is answered when its message is recorded,
   * while the charger's earlier messages may still be delivered.
   */
  tryDirect(p: number, pending: PendingMessage): void {
    const { identity } = pending.job;
    let answered!: () => void;
    const claimAnswered = new Promise<void>((resolve) => (answered = resolve));
    void this.claimsUnanswered.run(identity, () => claimAnswered);
    // A message not claimed while others of its charger are under way here becomes a job in its turn on the charger's
    // lock, not at once: they may still be handed to BullMQ after a failure, and its job must come after theirs.
    let inTurn = false;
    const claimed = this.claim(p, pending.job, this.mayClaimBehind(identity)).then(async (field) => {
      if (field === undefined) {
        inTurn = (this.chains.get(identity)?.queued ?? 0) > 1;
        if (!inTurn) this.host.commit(p, pending);
        answered();
        return undefined;
      }
      answered();
      try {
        await this.host.replicated();
        pending.queued();
      } catch (err) {
        // Not known to survive a failover: the charger is not told it is stored (it resends); the record is delivered.
        pending.failed(err);
      }
      return field;
    });
    this.queueRun(p, pending.job, async () => {
      const field = await claimed;
      if (field === undefined) {
        if (inTurn) this.host.commit(p, pending);
        return;
      }
      if (this.chains.get(identity)?.detour === undefined) this.delivered++;
      await this.run(p, pending.job, this.host.instanceId, field);
    });
  }

  /** The field the message is recorded under, or undefined when it was not claimed (it is then queued). */
  private async claim(p: number, job: UpstreamJob, behind: boolean): Promise<string | undefined> {
    try {
      const keys = this.host.partitionKeys(p);
      const marks = this.host.marksKey(p, job.identity);
      return await this.inflight.claim(p, keys, marks, this.host.instanceId, job, this.host.token(p), behind);
    } catch (err) {
      // Redis is in trouble: the queue's own write then says so to the charger (or succeeds after a reconnection).
      this.host.logger.debug({ err: (err as Error).message }, 'direct delivery claim failed; queueing the message');
      return undefined;
    }
  }

  /**
   * Runs `work` on the charger's lock as one of its chain's deliveries. It counts as under way in the partition from
   * now on (running): a record claimed or recovered here is delivered by this run, whenever its turn comes, so a
   * takeover sweep must not deliver it again, and a partition handed back waits for it.
   */
  private queueRun(p: number, job: UpstreamJob, work: () => Promise<void>): void {
    const { identity } = job;
    let chain = this.chains.get(identity);
    if (!chain) this.chains.set(identity, (chain = { queued: 0 }));
    const behind = chain.queued++ > 0;
    if (behind) this.claimedBehind++;
    const settled = chain;
    let runs = this.runs.get(p);
    if (!runs) this.runs.set(p, (runs = new IdTable()));
    const slot = this.host.serialiser.run(identity, work).finally(() => {
      runs.delete(job.id);
      if (behind) this.claimedBehind--;
      if (--settled.queued === 0 && this.chains.get(identity) === settled) this.chains.delete(identity);
    });
    runs.set(job.id, slot);
  }

  /**
   * Delivers one recorded message here (under its charger's lock), then removes its record. `replyTo`: the instance
   * that claimed it, where the charger's request may wait; `field`: where it is recorded.
   */
  private async run(p: number, job: UpstreamJob, replyTo: string, field: string): Promise<void> {
    const chain = this.chains.get(job.identity);
    const end = await this.deliverInTurn(p, job, replyTo, field, chain?.detour);
    // The charger's messages claimed behind this one must not overtake it (docs/architecture.md#direct-delivery); once
    // one record stays, so do the rest, even after others became jobs.
    if (chain && end !== 'done' && chain.detour !== 'stranded') chain.detour = end;
  }

  /** Delivers the message, or sends it the way an earlier message of its chain went (`detour`). */
  private async deliverInTurn(
    p: number,
    job: UpstreamJob,
    replyTo: string,
    field: string,
    detour: Chain['detour'],
  ): Promise<RunEnd> {
    if (detour === 'stranded') {
      this.strand(p, job.id);
      return 'stranded';
    }
    if (detour === 'handedOff') return this.handOff(p, job, field, false);
    return this.deliver(p, job, replyTo, field);
  }

  private async deliver(p: number, job: UpstreamJob, replyTo: string, field: string): Promise<RunEnd> {
    const log = this.host.logger;
    let acknowledged = job.acknowledged === true;
    let finished = false;
    if (!this.host.owner(p)) {
      // Frozen past the lease: the record stays, and the lease's new holder delivers the message (recover).
      log.warn({ chargeBoxIdentity: job.identity, jobId: job.id }, 'partition lease lapsed: not delivering here');
      this.strand(p, job.id);
      return 'stranded';
    }
    try {
      await this.host.processor()(job, (outcome) => {
        // Told it is kept (stored, or a local transaction id): the record says so, for the next consumer after a restart.
        if ((outcome.kind === 'stored' || job.acknowledged) && !acknowledged) {
          acknowledged = true;
          job.acknowledged = true;
          this.inflight
            .update(p, job, replyTo, this.host.fence(p), field)
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
      finished = true;
    } catch (err) {
      if (err instanceof LeftInQueue) {
        // Shutdown, or the lease lapsed during the delivery: the record stays, for the partition's next consumer, or
        // for this one when its lease is renewed or taken again (recover).
        log.info({ chargeBoxIdentity: job.identity, jobId: job.id }, err.message);
        this.strand(p, job.id);
        return 'stranded';
      }
      // docs/architecture.md#error-classes: a charger that still waits gets 503 and the message back; one it was
      // answered for goes to BullMQ, which tries it again.
      log.error(
        { err, chargeBoxIdentity: job.identity, jobId: job.id, attempt: 1 },
        'message failed inside the gateway',
      );
      this.host.reply(replyTo, job.id, failedInside);
      if (!givenBack(job)) return this.handOff(p, job, field, true);
    }
    await this.release(p, job, field, finished);
    return 'done';
  }

  /** Makes the message a BullMQ job of its own and removes its record; if the job cannot be added, the record stays. */
  private async handOff(p: number, job: UpstreamJob, field: string, failed: boolean): Promise<RunEnd> {
    try {
      await this.host.handOff(p, job, failed);
    } catch (err) {
      // The record stays: the partition's next consumer delivers the message.
      this.host.logger.error(
        { err, chargeBoxIdentity: job.identity, jobId: job.id },
        'could not hand a direct delivery to BullMQ; its record stays in Redis',
      );
      return 'stranded';
    }
    await this.release(p, job, field);
    return 'handedOff';
  }

  /**
   * Removes the message's record. `finished`: its processor ended without an error, and its charger's queued count
   * drops, in the same script where the count is in Redis.
   */
  private async release(p: number, job: UpstreamJob, field: string, finished = false): Promise<void> {
    const counts = finished ? this.host.finished() : undefined;
    const queuedKey = counts?.redisKey?.(job.identity);
    if (counts && queuedKey === undefined) counts.finished(job.identity);
    await this.inflight.release(p, job, this.host.fence(p), field, queuedKey).catch((err: unknown) => {
      // Fenced out: the record is a newer owner's now (the step back is logged once, by the lease manager).
      if (err instanceof FencedOut) return;
      this.host.logger.warn(
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
    for (const { job, replyTo, field } of toRun)
      this.queueRun(p, job, () => this.run(p, job, replyTo ?? this.host.instanceId, field));
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
