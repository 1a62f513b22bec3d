import type { GatewayConfig } from '../config/config.js';
import type { SoapFault } from '../ocpp/soap-fault.js';
import { LeftInQueue, type JobOutcome, type UpstreamJob } from '../queue/upstream-queue.js';
import type { ChargerRegistry } from '../state/registry.js';
import { retryDelayMs, sleepUnlessAborted } from '../util/backoff.js';
import type { Logger } from '../util/log.js';
import { RefusalBound } from './dead-letters.js';

/** How one failed attempt reads (docs/architecture.md#error-classes). */
export type SendFailure =
  /**
   * The system answered with a refusal: a CALLERROR, an answer its own schema refuses, a Fault (`fault`, as a SOAP
   * system gave it), a refused identity.
   */
  | { kind: 'refused'; reason: string; err: unknown; fault?: SoapFault }
  /** The system could not be asked: down, slow, the connection refused. */
  | { kind: 'unavailable'; reason: string; err: unknown }
  /** Neither: a fault of the gateway itself. */
  | { kind: 'unexpected'; err: unknown };

/**
 * One system a charger message goes to, as the delivery sees it: the CSMS (bridge/csms-sender.ts) or the legacy
 * system (bridge/legacy-sender.ts), as the charger's primary or as a shadow. The delivery owns what is common to
 * them (docs/architecture.md#delivery-semantics); the sender owns the call and the answers only it can give.
 */
export interface Sender<T> {
  /** Who, in the log: "CSMS", "legacy system". */
  readonly system: string;
  /**
   * The message is answered locally when the system cannot take it now, and delivered later. Read at every attempt:
   * a StartTransaction given a local transaction id becomes stored.
   */
  readonly stored: boolean;
  /** The charger's stored-messages flag follows this delivery (a shadow copy waits in its own lane instead). */
  readonly marksBacklog: boolean;
  /** The message, for the charger's answers, the dead letters and the stored-messages flag. */
  readonly job: UpstreamJob;
  log(): Logger;
  /** The charger's answer (`stored`, once). */
  reply(outcome: JobOutcome): void;
  /** One attempt: resolves with the system's answer, or rejects with what `failure` reads. */
  send(acknowledged: boolean): Promise<T>;
  failure(err: unknown): SendFailure;
  /**
   * Ends the run of a message the charger still waits for (or a failure no retry helps): a refusal goes to the
   * charger, an unavailable system gets it a 503 or an offline answer, a fault of the gateway a 503.
   */
  fail(failure: SendFailure): Promise<void>;
  /**
   * An offline answer that stands in for the system while it is unavailable and leaves the message stored (a local
   * transaction id); true when the charger got one.
   */
  standIn?(failure: SendFailure): Promise<boolean>;
  /** A stored message that a newer one of its kind overtook need not be sent; asked before each attempt. */
  superseded?(attempt: number, acknowledged: boolean): Promise<boolean>;
}

export interface DeliveryDeps {
  config: Pick<GatewayConfig, 'deadLetterAfterHours'>;
  registry: Pick<ChargerRegistry, 'contacts' | 'deadLetters'>;
  /** Aborted when the gateway stops: stored messages are then left in the queue. */
  stopping: AbortSignal;
}

/**
 * A message that needs a decision and waited in the queue past its deadline: the charger was told to retry, and
 * sending it now could make a decision (a transaction) the charger never learns of. One the charger was answered for
 * already is delivered whenever its turn comes. True when it is not to be sent (logged here).
 */
export function expiredInQueue(job: UpstreamJob, storeAndForward: boolean, log: () => Logger): boolean {
  if (storeAndForward || job.acknowledged || Date.now() < job.deadline) return false;
  log().warn('message expired in the queue before it could be sent; the charger was told to retry, not sent');
  return true;
}

/**
 * One charger message delivered to one system (docs/architecture.md#delivery-semantics), whichever it is.
 *
 * A message that needs a decision waits only as long as the charger does, and a refusal goes back to it. A stored
 * message is acknowledged to the charger on the first failure to reach the system (at once when the system is known
 * to be down), marks the charger as having a backlog, and is redelivered with backoff until the system takes it.
 * Once acknowledged, a refusal cannot reach the charger any more: the message is redelivered too, and after
 * `deadLetterAfterHours` of refusals moved to the dead letters. A stopping gateway leaves an acknowledged message in
 * the queue. Resolves with the system's answer, or undefined when the run was ended here.
 */
export class Delivery<T> {
  private acknowledged: boolean;
  /** This run marked the charger as having a backlog. */
  private backlog = false;
  private readonly refusals: RefusalBound;

  constructor(
    private readonly sender: Sender<T>,
    private readonly deps: DeliveryDeps,
  ) {
    const { job } = sender;
    // Past its deadline a stored message was answered locally by the ingress (docs/architecture.md#delivery-semantics).
    this.acknowledged =
      job.acknowledged === true || job.localTransactionId !== undefined || (sender.stored && Date.now() > job.deadline);
    this.refusals = new RefusalBound(job, sender.system, deps);
  }

  /** The charger was told the message is kept (stored, or an offline answer): nobody waits for its answer. */
  get answered(): boolean {
    return this.acknowledged;
  }

  /** Acknowledges now, before the first attempt: the system is known to be down. */
  acknowledgeNow(): void {
    if (this.sender.stored) this.acknowledge();
  }

  async deliver(): Promise<T | undefined> {
    const { sender } = this;
    for (let attempt = 0; ; attempt++) {
      if (await sender.superseded?.(attempt, this.acknowledged)) {
        sender.log().info('stored message superseded by a newer one of the same kind: not replayed');
        await this.done();
        return undefined;
      }
      try {
        const answer = await sender.send(this.acknowledged);
        if (this.refusals.count > 0)
          sender
            .log()
            .info(
              { rejections: this.refusals.count },
              `stored message delivered after the ${sender.system} refused it before`,
            );
        // The flag goes even when another run set it, or a process before a restart (in Redis it outlives the
        // process), else the charger's decisions would be refused with 503 for good.
        await this.done();
        return answer;
      } catch (err) {
        if (!(await this.again(sender.failure(err), attempt))) return undefined;
        await sleepUnlessAborted(retryDelayMs(attempt), this.deps.stopping);
      }
    }
  }

  /** After a failed attempt: true to try again; false when the run has been ended here. */
  private async again(failure: SendFailure, attempt: number): Promise<boolean> {
    const { sender } = this;
    if (failure.kind === 'unexpected') {
      // A message the charger was answered for is the queue's to try again, or to keep as a dead letter
      // (docs/architecture.md#error-classes); one the charger waits for ends here.
      if (this.acknowledged) throw failure.err;
      return this.end(failure);
    }
    const stopping = this.deps.stopping.aborted;
    if (stopping && (this.acknowledged || (failure.kind === 'unavailable' && sender.stored))) {
      // Stopping: the message stays in the queue for the next start or consumer; no attempt is counted.
      throw new LeftInQueue(`gateway stopping with ${sender.job.action} undelivered; left in the queue`);
    }
    if (failure.kind === 'refused') return this.acknowledged ? this.afterRefusal(failure.reason) : this.end(failure);
    if (!stopping && (await sender.standIn?.(failure))) {
      this.acknowledged = true;
      this.acknowledge();
      return true;
    }
    if (!sender.stored) return this.end(failure);
    if (attempt === 0)
      sender
        .log()
        .warn(
          `${sender.system} unavailable (${failure.reason}): message stored, answered locally, delivered when it is back`,
        );
    this.acknowledge();
    return true;
  }

  private async end(failure: SendFailure): Promise<false> {
    await this.sender.fail(failure);
    return false;
  }

  /** A refusal of a message the charger was already answered for: redelivered, or after the bound a dead letter. */
  private async afterRefusal(reason: string): Promise<boolean> {
    if (!(await this.refusals.refused(reason, this.sender.log()))) {
      await this.done();
      return false;
    }
    this.acknowledge();
    return true;
  }

  /** The charger is told the message is stored (once), and its next messages are answered at once. */
  private acknowledge(): void {
    if (!this.acknowledged) this.sender.reply({ kind: 'stored' });
    this.acknowledged = true;
    if (this.backlog || !this.sender.marksBacklog) return;
    this.backlog = true;
    void this.markBacklog(true);
  }

  /** An acknowledged message is done with (delivered, superseded or dead): the charger's flag goes. */
  private async done(): Promise<void> {
    if (!this.acknowledged || !this.sender.marksBacklog) return;
    this.backlog = false;
    await this.markBacklog(false);
  }

  /**
   * The flag only speeds answers up (docs/architecture.md#error-classes): a failure to set or clear it is logged
   * and otherwise ignored; a flag left behind is cleared by the charger's next message that finds nothing queued.
   */
  private markBacklog(backlog: boolean): Promise<void> {
    return this.deps.registry.contacts
      .setBacklog(this.sender.job.identity, backlog)
      .catch((err: unknown) =>
        this.sender
          .log()
          .warn(
            { err: (err as Error).message },
            backlog
              ? 'could not mark the charger as having stored messages'
              : 'could not clear the mark of stored messages',
          ),
      );
  }
}
