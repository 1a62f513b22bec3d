import type { GatewayConfig } from '../config/config.js';
import type { SharedStartTransaction } from '../ocpp/dialects.js';
import { RpcError } from '../ocpp/rpc-error.js';
import type { ChargerRegistry } from '../state/registry.js';
import { refusesIdentity, UpstreamError } from '../upstream/connection-types.js';
import type { WireTexts } from '../upstream/frames.js';
import type { Logger } from '../util/log.js';
import { LeftInQueue } from '../queue/upstream-queue.js';
import { Delivery, type DeliveryDeps, type SendFailure, type Sender } from './delivery.js';
import type { MessageRun } from './message-run.js';
import type { OfflinePolicies } from './offline-policies.js';

/** The part of the upstream pool the bridge calls: a charger's connection, for one CALL at a time. */
export interface UpstreamCalls {
  get(identity: string): {
    call(action: string, payload: object, deadline: number, wire?: WireTexts): Promise<Record<string, unknown>>;
    readonly down?: boolean;
    /** The CSMS refuses the identity at the handshake. */
    readonly refusal?: object;
  };
}

export interface CsmsDeps {
  config: Pick<GatewayConfig, 'csmsTimeoutMs' | 'bootRetryIntervalSec' | 'deadLetterAfterHours'>;
  registry: Pick<ChargerRegistry, 'states' | 'supersede'> & DeliveryDeps['registry'];
  upstream: UpstreamCalls;
  /** Aborted when the gateway stops: stored messages are then left in the queue. */
  stopping: AbortSignal;
}

/**
 * Whom the CSMS answers for. As the charger's primary, the offline policies may stand in for it and the charger's
 * stored-messages flag follows its deliveries; as a shadow (docs/architecture.md#shadow-copies) its answer only goes
 * into the comparison, so neither.
 */
export interface CsmsRole {
  offline?: OfflinePolicies;
  marksBacklog: boolean;
}

export const CSMS_SHADOW: CsmsRole = { marksBacklog: false };

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
 * Sends one translated CALL to the CSMS and waits for a valid answer, with the semantics of every delivery
 * (bridge/delivery.ts). A stored message is acknowledged at once when the CSMS is known to be down (unless the CSMS
 * refuses the identity itself: then the charger keeps its message). Resolves undefined when the run was ended here.
 */
export function deliverToCsms(
  run: MessageRun,
  payload: object,
  deps: CsmsDeps,
  role: CsmsRole,
): Promise<Delivered | undefined> {
  const delivery = new Delivery(new CsmsSender(run, payload, deps, role), deps);
  const connection = deps.upstream.get(run.job.identity);
  if (connection.down && !connection.refusal) delivery.acknowledgeNow();
  return delivery.deliver();
}

/**
 * The CSMS as a delivery's system: a CALL on the charger's connection, checked against the protocol's schema. What
 * only the CSMS has: the offline policies, the answer to an identity it does not know, messages superseded by newer
 * ones of their kind, and late messages (a 2.0.1 TransactionEvent marked offline).
 */
class CsmsSender implements Sender<Delivered> {
  readonly system = 'CSMS';
  private localTransactionId?: number;
  private readonly offlineStart: boolean;

  constructor(
    private readonly run: MessageRun,
    private readonly payload: object,
    private readonly deps: CsmsDeps,
    private readonly role: CsmsRole,
  ) {
    const { job, policy } = run;
    this.localTransactionId = job.localTransactionId;
    this.offlineStart =
      policy.offline === 'local-transaction' &&
      role.offline?.enabled(policy) === true &&
      this.localTransactionId === undefined;
  }

  get job() {
    return this.run.job;
  }

  get marksBacklog(): boolean {
    return this.role.marksBacklog;
  }

  get stored(): boolean {
    return this.run.policy.storeAndForward || this.localTransactionId !== undefined;
  }

  log(): Logger {
    return this.run.log();
  }

  reply: Sender<Delivered>['reply'] = (outcome) => this.run.reply(outcome);

  async send(acknowledged: boolean): Promise<Delivered> {
    const { job } = this.run;
    // Stored messages wait as long as it takes; the others only as long as the charger waits (a StartTransaction
    // under the offline policy a second less, so that the gateway decides before the charger is told to retry).
    const deadline = this.stored
      ? Date.now() + this.deps.config.csmsTimeoutMs
      : this.offlineStart
        ? job.deadline - 1_000
        : job.deadline;
    const result = await this.deps.upstream
      .get(job.identity)
      .call(this.run.csmsAction, this.payloadNow(acknowledged), deadline, this.run.event.wire);
    const valid = this.run.path.protocol.check(this.run.csmsAction, 'conf', result);
    if (!valid.ok) throw new InvalidAnswer(valid.message);
    return { result, localTransactionId: this.localTransactionId };
  }

  /**
   * The CALL as it goes now: once the charger was answered locally, as the operation sends a late message (a 2.0.1
   * TransactionEvent marked offline, docs/translation-201.md#offline-events).
   */
  private payloadNow(acknowledged: boolean): object {
    const late = this.run.op.late;
    if (!late || !acknowledged) return this.payload;
    const payload = late(this.payload);
    this.run.event.call = payload;
    return payload;
  }

  failure(err: unknown): SendFailure {
    if (err instanceof RpcError) {
      this.run.event.rpcError = err.code;
      return { kind: 'refused', reason: `CALLERROR ${err.code}: ${err.description}`, err };
    }
    if (err instanceof InvalidAnswer) return { kind: 'refused', reason: `invalid answer: ${err.message}`, err };
    if (!(err instanceof UpstreamError)) return { kind: 'unexpected', err };
    // This instance lost the charger's partition (docs/architecture.md#fencing): its new owner delivers the message.
    if (err.kind === 'fenced') throw new LeftInQueue(err.message);
    // The CSMS refuses the identity at the handshake (docs/architecture.md#resource-bounds): a refusal of the message,
    // unless the gateway stops (then the message is left in the queue, or the charger keeps it).
    if (refusesIdentity(err.handshakeStatus) && !this.deps.stopping.aborted)
      return { kind: 'refused', reason: err.message, err };
    return { kind: 'unavailable', reason: err.message, err };
  }

  async fail(failure: SendFailure): Promise<void> {
    const { run } = this;
    const err = failure.err;
    if (err instanceof InvalidAnswer) {
      run.log().error({ schemaError: err.message }, `CSMS answered with a payload that is not valid ${run.job.target}`);
      const reason = 'central system answered with an invalid payload';
      return run.finish({ kind: 'fault', fault: { code: 'Receiver', subcode: 'InternalError', reason } }, 'error');
    }
    // A refused identity: not stored for a CSMS that will not take it; the charger keeps it (503), or a
    // BootNotification is told Rejected on a 404. An unavailable CSMS: an offline answer where a policy gives one.
    if (err instanceof UpstreamError && (await this.answerOffline(err, failure.kind === 'unavailable'))) return;
    run.fail(err);
  }

  /** The offline answers of a message that needs a CSMS decision; true when the run was ended with one. */
  private async answerOffline(err: UpstreamError, policies: boolean): Promise<boolean> {
    const { run } = this;
    if (await this.answerUnknownIdentity(err)) return true;
    const offline = this.role.offline;
    if (!policies || run.policy.offline !== 'cached-authorization' || !offline?.enabled(run.policy)) return false;
    const cached = await offline.authorization(run.job.identity, (run.job.request as { idTag: string }).idTag);
    if (!cached) return false;
    run.log().warn("CSMS unavailable: Authorize answered from the CSMS's earlier answer (offlineAuthorize policy)");
    run.finish({ kind: 'response', body: cached }, 'gateway');
    return true;
  }

  /**
   * OCPP-J 1.6 section 3.2, errata 3.68: the CSMS does not know the identity (docs/translation.md#bootnotification).
   */
  private async answerUnknownIdentity(err: UpstreamError): Promise<boolean> {
    const { run, deps } = this;
    const unknownIdentity = run.policy.unknownIdentityAnswer;
    if (err.handshakeStatus !== 404 || !unknownIdentity) return false;
    run.log().warn('CSMS does not know this identity (HTTP 404 on the WebSocket handshake): answered as Rejected');
    await deps.registry.states.update(run.job.identity, (s) => ({ ...s, registration: 'Rejected' }));
    run.finish(
      { kind: 'response', body: unknownIdentity(new Date().toISOString(), deps.config.bootRetryIntervalSec) },
      'gateway',
    );
    return true;
  }

  /** Offline StartTransaction: the charger gets a local id; the message is stored and delivered later. */
  async standIn(): Promise<boolean> {
    const { run } = this;
    if (!this.offlineStart || this.localTransactionId !== undefined) return false;
    const local = await this.role.offline!.startTransaction(
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
    return true;
  }

  /** A stored message that a newer one with the same supersede key has overtaken need not reach the CSMS. */
  async superseded(attempt: number, acknowledged: boolean): Promise<boolean> {
    const { policy, job, request } = this.run;
    // Only a stored message can be overtaken: one that is answered as it goes is sent as it is.
    if (!policy.supersedeKey || (attempt === 0 && !acknowledged && Date.now() <= job.deadline)) return false;
    const latest = await this.deps.registry.supersede.latest(job.identity, policy.supersedeKey(request));
    return latest !== undefined && latest !== job.id;
  }
}
