import type { GatewayConfig } from '../config/config.js';
import type { StartTransactionRequest15 } from '../ocpp/v15/types.js';
import { LeftInQueue } from '../queue/upstream-queue.js';
import type { ChargerRegistry } from '../state/registry.js';
import { UpstreamError } from '../upstream/connection.js';
import type { MessageRun } from './message-run.js';
import type { OfflinePolicies } from './offline-policies.js';

/** The part of the upstream pool the bridge calls: a charger's connection, for one CALL at a time. */
export interface UpstreamCalls {
  get(identity: string): { call(action: string, payload: object, deadline: number): Promise<Record<string, unknown>> };
}

export interface DeliveryDeps {
  config: Pick<GatewayConfig, 'csmsTimeoutMs' | 'bootRetryIntervalSec'>;
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

/**
 * Sends one translated CALL to the CSMS and waits for its answer (docs/architecture.md#delivery-semantics). A message
 * that needs a CSMS decision waits only as long as the charger does; a stored one (store-and-forward, or answered
 * with a local transaction id) is answered locally on the first failure and redelivered until the CSMS takes it, with
 * backoff, unless the gateway stops (it is then left in the queue). Resolves undefined when the run was ended here.
 */
export class UpstreamDelivery {
  private localTransactionId?: number;
  private readonly offlineStart: boolean;

  constructor(
    private readonly run: MessageRun,
    private readonly payload: object,
    private readonly deps: DeliveryDeps,
  ) {
    this.offlineStart = run.policy.offline === 'local-transaction' && deps.offline.enabled(run.policy);
  }

  private get stored(): boolean {
    return this.run.policy.storeAndForward || this.localTransactionId !== undefined;
  }

  async deliver(): Promise<Delivered | undefined> {
    const { job } = this.run;
    for (let attempt = 0; ; attempt++) {
      if (await this.superseded(attempt)) {
        this.run.log().info('stored message superseded by a newer one of the same kind: not replayed');
        return undefined;
      }
      try {
        // Stored messages wait as long as it takes; the others only as long as the charger waits (a StartTransaction
        // under the offline policy a second less, so that the gateway decides before the charger is told to retry).
        const deadline = this.stored ? Date.now() + this.deps.config.csmsTimeoutMs : this.offlineStart ? job.deadline - 1_000 : job.deadline;
        const result = await this.deps.upstream.get(job.identity).call(this.run.csmsAction, this.payload, deadline);
        return { result, localTransactionId: this.localTransactionId };
      } catch (err) {
        if (!(await this.retryAfter(err, attempt))) return undefined;
        await sleep(retryDelayMs(attempt), this.deps.stopping);
      }
    }
  }

  /** A stored message that a newer one with the same supersede key has overtaken need not reach the CSMS. */
  private async superseded(attempt: number): Promise<boolean> {
    const { policy, job, request } = this.run;
    if (!policy.supersedeKey || (attempt === 0 && Date.now() <= job.deadline)) return false;
    const latest = await this.deps.registry.latest(job.identity, policy.supersedeKey(request));
    return latest !== undefined && latest !== job.id;
  }

  /** After a failed attempt: true to try again; false when the run has been ended here. */
  private async retryAfter(err: unknown, attempt: number): Promise<boolean> {
    const stopping = this.deps.stopping.aborted;
    if (err instanceof UpstreamError && this.offlineStart && this.localTransactionId === undefined && !stopping) {
      if (await this.startOffline()) return true;
    }
    if (err instanceof UpstreamError && this.stored && !stopping) {
      if (attempt === 0) {
        this.run.log().warn({ upstream: err.kind }, `CSMS unavailable (${err.message}): message stored, answered locally, delivered when the CSMS is back`);
        this.run.reply({ kind: 'stored' });
      }
      return true;
    }
    // Stopping: leave the job to the queue, which hands it to the next consumer.
    if (err instanceof UpstreamError && this.stored) throw new LeftInQueue(`gateway stopping with ${this.run.job.action} undelivered; left in the queue`);
    if (err instanceof UpstreamError && (await this.answerOffline(err))) return false;
    this.run.fail(err);
    return false;
  }

  /** The offline answers of a message that needs a CSMS decision; true when the run was ended with one. */
  private async answerOffline(err: UpstreamError): Promise<boolean> {
    const { run, deps } = this;
    const unknownIdentity = run.policy.unknownIdentityAnswer;
    if (err.handshakeStatus === 404 && unknownIdentity) {
      // OCPP-J 1.6 section 3.2, errata 3.68: the CSMS does not know the identity
      // (docs/translation.md#bootnotification).
      run.log().warn('CSMS does not know this identity (HTTP 404 on the WebSocket handshake): answered as Rejected');
      await deps.registry.update(run.job.identity, (s) => ({ ...s, registration: 'Rejected' }));
      run.finish({ kind: 'response', body: unknownIdentity(new Date().toISOString(), deps.config.bootRetryIntervalSec) }, 'gateway');
      return true;
    }
    if (run.policy.offline === 'cached-authorization' && deps.offline.enabled(run.policy)) {
      const cached = await deps.offline.authorization(run.job.identity, (run.job.request as { idTag: string }).idTag);
      if (!cached) return false;
      run.log().warn("CSMS unavailable: Authorize answered from the CSMS's earlier answer (offlineAuthorize policy)");
      run.finish({ kind: 'response', body: cached }, 'gateway');
      return true;
    }
    return false;
  }

  /** Offline StartTransaction: the charger gets a local id; the message is stored and delivered later. */
  private async startOffline(): Promise<boolean> {
    const { run } = this;
    const local = await this.deps.offline.startTransaction(run.job.identity, run.job.request as StartTransactionRequest15, (this.payload as { timestamp: string }).timestamp);
    if (!local) return false;
    this.localTransactionId = local.transactionId;
    run.log().warn({ localTransactionId: local.transactionId }, 'CSMS unavailable: StartTransaction answered with a local transaction id (offlineStartTransaction policy); delivered and mapped later');
    run.reply({ kind: 'response', body: local });
    return true;
  }
}

/** Resolves after `ms`, or at once when the gateway stops. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Redelivery of stored messages: 1 s doubling to 30 s, with jitter, so a returning CSMS is not stampeded. */
function retryDelayMs(attempt: number): number {
  const cap = Math.min(30_000, 1_000 * 2 ** attempt);
  return cap / 2 + Math.random() * (cap / 2);
}
