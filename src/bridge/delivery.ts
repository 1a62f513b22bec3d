import type { GatewayConfig } from '../config/config.js';
import { RpcError } from '../ocpp/rpc-error.js';
import type { SharedStartTransaction } from '../ocpp/dialects.js';
import { LeftInQueue } from '../queue/upstream-queue.js';
import type { ChargerRegistry } from '../state/registry.js';
import { refusesIdentity, UpstreamError } from '../upstream/connection-types.js';
import { retryDelayMs, sleepUnlessAborted } from '../util/backoff.js';
import type { MessageRun } from './message-run.js';
import type { OfflinePolicies } from './offline-policies.js';
import { RefusalBound } from './dead-letters.js';

/** The part of the upstream pool the bridge calls: a charger's connection, for one CALL at a time. */
export interface UpstreamCalls {
  get(identity: string): {
    call(action: string, payload: object, deadline: number): Promise<Record<string, unknown>>;
    readonly down?: boolean;
    /** The CSMS refuses the identity at the handshake. */
    readonly refusal?: object;
  };
}

export interface DeliveryDeps {
  config: Pick<GatewayConfig, 'csmsTimeoutMs' | 'bootRetryIntervalSec' | 'deadLetterAfterHours'>;
  registry: ChargerRegistry;
  upstream: UpstreamCalls;
  offline: OfflinePolicies;
  /** Aborted when the gateway stops: stored messages are then left in the queue. */
  stopping: AbortSignal;
}

export interface Delivered {
  result: Record<string, unknown>;
  /** The transaction id the charger was given locally (offline StartTransaction), to map to the CSMS's. */
  localTransactionId?: number;
}

/** The CSMS answered with a payload its own schema refuses. */
export class InvalidAnswer extends Error {
  override name = 'InvalidAnswer';
}

/**
 * Sends one translated CALL to the CSMS and waits for a valid answer (docs/architecture.md#delivery-semantics).
 *
 * A message that needs a CSMS decision waits only as long as the charger does, and a refusal goes back to it as a
 * Fault. A stored message (store-and-forward, or answered with a local transaction id) is acknowledged to the charger
 * on the first failure, at once when the CSMS is known to be down, and then redelivered with backoff until the CSMS
 * takes it. Once acknowledged, a CALLERROR or an invalid answer cannot reach the charger any more: the message is
 * redelivered too, and after `deadLetterAfterHours` of refusals moved to the dead letters. A stopping gateway leaves
 * a stored message in the queue. Resolves undefined when the run was ended here.
 */
export class UpstreamDelivery {
  private localTransactionId?: number;
  private readonly offlineStart: boolean;
  private acknowledged: boolean;
  /** This run marked the charger as having a backlog. */
  private backlog = false;
  private readonly refusals: RefusalBound;

  constructor(
    private readonly run: MessageRun,
    private readonly payload: object,
    private readonly deps: DeliveryDeps,
  ) {
    const { job, policy } = run;
    this.localTransactionId = job.localTransactionId;
    // A shadow copy never gets an offline answer: its answer only goes into the divergence check.
    this.offlineStart =
      !job.shadow &&
      policy.offline === 'local-transaction' &&
      deps.offline.enabled(policy) &&
      this.localTransactionId === undefined;
    // Past its deadline a stored message was answered locally by the ingress (docs/architecture.md#delivery-semantics).
    this.acknowledged =
      job.acknowledged === true ||
      this.localTransactionId !== undefined ||
      (policy.storeAndForward && Date.now() > job.deadline);
    this.refusals = new RefusalBound(job, 'CSMS', deps);
  }

  private get stored(): boolean {
    return this.run.policy.storeAndForward || this.localTransactionId !== undefined;
  }

  async deliver(): Promise<Delivered | undefined> {
    const { job } = this.run;
    // The CSMS is known to be down: a stored message is acknowledged now, not after a connection attempt (unless the
    // CSMS refuses the identity itself: then the charger keeps its message).
    const connection = this.deps.upstream.get(job.identity);
    if (this.stored && connection.down && !connection.refusal) this.acknowledge();
    for (let attempt = 0; ; attempt++) {
      if (await this.superseded(attempt)) {
        this.run.log().info('stored message superseded by a newer one of the same kind: not replayed');
        await this.clearBacklog();
        return undefined;
      }
      try {
        // Stored messages wait as long as it takes; the others only as long as the charger waits (a StartTransaction
        // under the offline policy a second less, so that the gateway decides before the charger is told to retry).
        const deadline = this.stored
          ? Date.now() + this.deps.config.csmsTimeoutMs
          : this.offlineStart
            ? job.deadline - 1_000
            : job.deadline;
        const result = await this.deps.upstream
          .get(job.identity)
          .call(this.run.csmsAction, this.payloadNow(), deadline);
        const valid = this.run.route.protocol.check(this.run.csmsAction, 'conf', result);
        if (!valid.ok) throw new InvalidAnswer(valid.message);
        if (this.refusals.count > 0)
          this.run
            .log()
            .info({ rejections: this.refusals.count }, 'stored message delivered after the CSMS refused it before');
        // A stored message reached the CSMS: the flag goes even when another run set it, or a process before a restart
        // (in Redis it outlives the process), else the charger's decisions would be refused with 503 for good.
        await this.clearBacklog(this.acknowledged);
        return { result, localTransactionId: this.localTransactionId };
      } catch (err) {
        if (!(await this.retryAfter(err, attempt))) return undefined;
        await sleepUnlessAborted(retryDelayMs(attempt), this.deps.stopping);
      }
    }
  }

  /**
   * The CALL as it goes now: once the charger was answered locally, as the operation sends a late message (a 2.0.1
   * TransactionEvent marked offline, docs/translation-201.md#offline-events).
   */
  private payloadNow(): object {
    const late = this.run.op.late;
    if (!late || !this.acknowledged) return this.payload;
    const payload = late(this.payload);
    this.run.event.call = payload;
    return payload;
  }

  /** The charger is told the message is stored (once), and its next messages are answered at once. */
  private acknowledge(): void {
    if (!this.acknowledged) this.run.reply({ kind: 'stored' });
    this.acknowledged = true;
    // A shadow copy waits in its own lane (docs/architecture.md#shadow-copies): the charger's messages do not wait for
    // it.
    if (this.backlog || this.run.job.shadow) return;
    this.backlog = true;
    this.deps.registry
      .setBacklog(this.run.job.identity, true)
      .catch((err: unknown) =>
        this.run.log().warn({ err: (err as Error).message }, 'could not mark the charger as having stored messages'),
      );
  }

  /** `always`: also when this run did not set the flag. */
  private async clearBacklog(always = false): Promise<void> {
    if ((!this.backlog && !always) || this.run.job.shadow) return;
    this.backlog = false;
    await this.deps.registry.setBacklog(this.run.job.identity, false).catch(() => undefined);
  }

  /** A stored message that a newer one with the same supersede key has overtaken need not reach the CSMS. */
  private async superseded(attempt: number): Promise<boolean> {
    const { policy, job, request } = this.run;
    // Only a stored message can be overtaken: one that is answered as it goes is sent as it is.
    if (!policy.supersedeKey || (attempt === 0 && !this.acknowledged && Date.now() <= job.deadline)) return false;
    const latest = await this.deps.registry.latest(job.identity, policy.supersedeKey(request));
    return latest !== undefined && latest !== job.id;
  }

  /** After a failed attempt: true to try again; false when the run has been ended here. */
  private async retryAfter(err: unknown, attempt: number): Promise<boolean> {
    // This instance lost the charger's partition (docs/architecture.md#fencing): its new owner delivers the message.
    if (err instanceof UpstreamError && err.kind === 'fenced') throw new LeftInQueue(err.message);
    const stopping = this.deps.stopping.aborted;
    const refused = err instanceof RpcError || err instanceof InvalidAnswer;
    if ((err instanceof UpstreamError || refused) && this.acknowledged && stopping) {
      // Stopping: the message stays in the queue for the next start or consumer; no attempt is counted.
      throw new LeftInQueue(`gateway stopping with ${this.run.job.action} undelivered; left in the queue`);
    }
    if (err instanceof UpstreamError) return this.afterUnavailable(err, attempt);
    if (refused && this.acknowledged) return this.afterRefusal(err);
    if (err instanceof InvalidAnswer) {
      this.run
        .log()
        .error({ schemaError: err.message }, `CSMS answered with a payload that is not valid ${this.run.job.target}`);
      this.run.finish(
        {
          kind: 'fault',
          fault: {
            code: 'Receiver',
            subcode: 'InternalError',
            reason: 'central system answered with an invalid payload',
          },
        },
        'error',
      );
      return false;
    }
    this.run.fail(err);
    return false;
  }

  private async afterUnavailable(err: UpstreamError, attempt: number): Promise<boolean> {
    const stopping = this.deps.stopping.aborted;
    if (refusesIdentity(err.handshakeStatus) && !stopping) return this.afterIdentityRefused(err);
    if (this.offlineStart && this.localTransactionId === undefined && !stopping && (await this.startOffline()))
      return true;
    if (this.stored && !stopping) {
      if (attempt === 0)
        this.run
          .log()
          .warn(
            { upstream: err.kind },
            `CSMS unavailable (${err.message}): message stored, answered locally, delivered when the CSMS is back`,
          );
      this.acknowledge();
      return true;
    }
    if (this.stored)
      throw new LeftInQueue(`gateway stopping with ${this.run.job.action} undelivered; left in the queue`);
    if (await this.answerOffline(err)) return false;
    this.run.fail(err);
    return false;
  }

  /**
   * The CSMS refuses the charger's identity at the handshake (docs/architecture.md#resource-bounds): a message not yet
   * answered is not stored for a CSMS that will not take it; the charger keeps it (503), or a BootNotification is told
   * Rejected on a 404. One already acknowledged waits for the CSMS like a refused one, up to the dead-letter bound.
   */
  private async afterIdentityRefused(err: UpstreamError): Promise<boolean> {
    if (this.acknowledged) return this.afterRefusal(err);
    if (!(await this.answerUnknownIdentity(err))) this.run.fail(err);
    return false;
  }

  /** The CSMS refused a message the charger was already answered for: redelivered, or after the bound a dead letter. */
  private async afterRefusal(err: RpcError | InvalidAnswer | UpstreamError): Promise<boolean> {
    if (err instanceof RpcError) this.run.event.rpcError = err.code;
    const reason =
      err instanceof RpcError
        ? `CALLERROR ${err.code}: ${err.description}`
        : err instanceof InvalidAnswer
          ? `invalid answer: ${err.message}`
          : err.message;
    if (!(await this.refusals.refused(reason, this.run.log()))) {
      await this.clearBacklog();
      return false;
    }
    this.acknowledge();
    return true;
  }

  /** The offline answers of a message that needs a CSMS decision; true when the run was ended with one. */
  private async answerOffline(err: UpstreamError): Promise<boolean> {
    const { run, deps } = this;
    if (await this.answerUnknownIdentity(err)) return true;
    if (run.policy.offline === 'cached-authorization' && deps.offline.enabled(run.policy) && !run.job.shadow) {
      const cached = await deps.offline.authorization(run.job.identity, (run.job.request as { idTag: string }).idTag);
      if (!cached) return false;
      run.log().warn("CSMS unavailable: Authorize answered from the CSMS's earlier answer (offlineAuthorize policy)");
      run.finish({ kind: 'response', body: cached }, 'gateway');
      return true;
    }
    return false;
  }

  /**
   * OCPP-J 1.6 section 3.2, errata 3.68: the CSMS does not know the identity (docs/translation.md#bootnotification).
   */
  private async answerUnknownIdentity(err: UpstreamError): Promise<boolean> {
    const { run, deps } = this;
    const unknownIdentity = run.policy.unknownIdentityAnswer;
    if (err.handshakeStatus !== 404 || !unknownIdentity) return false;
    run.log().warn('CSMS does not know this identity (HTTP 404 on the WebSocket handshake): answered as Rejected');
    await deps.registry.update(run.job.identity, (s) => ({ ...s, registration: 'Rejected' }));
    run.finish(
      { kind: 'response', body: unknownIdentity(new Date().toISOString(), deps.config.bootRetryIntervalSec) },
      'gateway',
    );
    return true;
  }

  /** Offline StartTransaction: the charger gets a local id; the message is stored and delivered later. */
  private async startOffline(): Promise<boolean> {
    const { run } = this;
    const local = await this.deps.offline.startTransaction(
      run.job.identity,
      run.job.request as SharedStartTransaction,
      (this.payload as { timestamp: string }).timestamp,
    );
    if (!local) return false;
    this.localTransactionId = local.transactionId;
    // The queued job now carries its local id and counts as acknowledged: the embedded queue keeps it (durably, before
    // the charger gets the id) for the next start, as it keeps a StartTransaction given its local id by the ingress.
    run.job.localTransactionId = local.transactionId;
    run.job.acknowledged = true;
    run
      .log()
      .warn(
        { localTransactionId: local.transactionId },
        'CSMS unavailable: StartTransaction answered with a local transaction id (offlineStartTransaction policy); delivered and mapped later',
      );
    run.reply({ kind: 'response', body: local });
    this.acknowledged = true;
    // Stored and waiting for the CSMS: the charger's next messages queue behind it and are answered at once.
    this.acknowledge();
    return true;
  }
}
