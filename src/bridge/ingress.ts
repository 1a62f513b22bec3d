import type { SourceDialect } from '../ocpp/protocols.js';
import { csmsProtocolOf, type GatewayConfig } from '../config/config.js';
import { faultOf } from '../ocpp/soap-fault.js';
import type { CsmsProtocol } from '../ocpp/protocols.js';
import type { SharedStartTransaction } from '../ocpp/dialects.js';
import type { JobOutcome, SubmitOptions, UpstreamJob, UpstreamQueue } from '../queue/upstream-queue.js';
import type { ChargerAnswer, ChargerMessage, ChargerMessageSink } from '../soap/central-system-endpoint.js';
import type { ChargerContact, ChargerRegistry } from '../state/registry.js';
import { withoutUserInfo } from '../soap/callback-policy.js';
import type { MessagePolicy } from '../translate/source-policy.js';
import { sourcePolicies } from '../translate/tables.js';
import { newId } from '../util/ids.js';
import type { Logger } from '../util/log.js';
import type { OfflinePolicies } from './offline-policies.js';
import { overflowDecision, type OverflowDecision } from './overflow.js';
import type { QueuedCount } from './queued-count.js';
import { pathOf } from './translation-paths.js';
import { isoTime } from '../util/iso-time.js';

export interface IngressObserver {
  /** A charger over its queue bound: what was done with the message. */
  onOverflow?(identity: string, action: string, decision: Exclude<OverflowDecision, 'queue'>): void;
  /** A charger's callback URL changed (docs/architecture.md#callback-addresses). */
  onCallbackChange?(identity: string, source: string): void;
  /** A new identity refused: MAX_CHARGERS are known. */
  onChargerLimit?(identity: string): void;
}

/** What the ingress needs to know of this instance's connections (the upstream pool and the file descriptors). */
export interface Capacity {
  /**
   * Whether the charger can be served: one that has its CSMS connection here always is; a new one only while file
   * descriptors are left beyond the reserve (docs/architecture.md#resource-bounds).
   */
  admit(identity: string): boolean;
  /** Makes sure a connection exists that will try the CSMS again; an existing one keeps its own retry schedule. */
  ensure(identity: string): void;
}

/**
 * The answer with the id of the job it became. Every answer is made afresh for its message, so the id is set on it:
 * copying it with a spread costs V8's slow path for each message (docs/architecture.md#design-choices).
 */
function withJobId(answer: ChargerAnswer, jobId: string): ChargerAnswer {
  answer.jobId = jobId;
  return answer;
}

/**
 * Where a decoded charger message enters the bridge (docs/architecture.md#the-flow): it is routed (source dialect and
 * CSMS protocol), counted against the charger's queue bound, queued, and its outcome becomes the charger's answer.
 */
export class ChargerIngress implements ChargerMessageSink {
  /** The dialect each charger last spoke here: a change (a firmware update) is logged once, then followed. */
  private readonly dialects = new Map<string, SourceDialect>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly registry: Pick<ChargerRegistry, 'contacts' | 'supersede'>,
    private readonly queue: UpstreamQueue,
    private readonly queued: QueuedCount,
    private readonly offline: OfflinePolicies,
    private readonly logger: Logger,
    private readonly observer: IngressObserver = {},
    private readonly capacity: Capacity = { admit: () => true, ensure: () => undefined },
    /** Whether the CSMS answers this charger's messages (false when its route makes the legacy system primary). */
    private readonly csmsIsPrimary: (identity: string) => boolean = () => true,
  ) {}

  async accept(m: ChargerMessage): Promise<ChargerAnswer> {
    const target = csmsProtocolOf(this.config, m.identity);
    const policy = sourcePolicies(m.dialect).get(m.action);
    if (!policy || !pathOf(m.dialect, target)?.tables.chargerInitiated.has(m.action)) {
      return {
        kind: 'fault',
        fault: faultOf('NotSupported', `operation ${m.action} is not supported towards ${target}`),
      };
    }
    if (!this.capacity.admit(m.identity)) {
      this.logger.warn(
        { chargeBoxIdentity: m.identity, fdReserve: this.config.fdReserve },
        'file descriptors are running out (FD_RESERVE): new chargers are answered 503',
      );
      return {
        kind: 'retry',
        reason: 'the gateway is short of file descriptors: chargers already connected are served first',
      };
    }
    // Redis away: nothing can be stored, so the charger keeps the message and resends it (docs/operations.md#redis-outage).
    const unavailable = this.queue.unavailable?.();
    if (unavailable) return { kind: 'retry', reason: `gateway queue unavailable: ${unavailable}` };
    const arrival = await this.queued.arrive(m.identity, this.contactOf(m, target), {
      maxChargers: this.config.maxChargers,
    });
    if (arrival === undefined) return { kind: 'retry', reason: 'gateway state unavailable' };
    if (arrival.overLimit) {
      this.observer.onChargerLimit?.(m.identity);
      return {
        kind: 'fault',
        fault: faultOf(
          'SecurityError',
          `the gateway serves at most ${this.config.maxChargers} chargers (MAX_CHARGERS); ${m.identity} is not one of them`,
        ),
      };
    }
    if (arrival.callbackChanged && m.callback) this.callbackChanged(m, arrival.callbackChanged.previous);
    this.noteDialect(m);
    if (arrival.refusedByCsms !== undefined && this.csmsIsPrimary(m.identity))
      return this.refusedByCsms(m, policy, arrival.refusedByCsms);
    const overflow = overflowDecision(policy, arrival.queued - 1, this.config.maxQueuedPerCharger);
    if (overflow !== 'queue') {
      this.queued.release(m.identity);
      this.observer.onOverflow?.(m.identity, m.action, overflow);
      if (overflow === 'answer-locally' && policy.localResponse)
        return { kind: 'response', body: policy.localResponse(m.request, isoTime(Date.now())) };
      return {
        kind: 'retry',
        reason: `charger ${m.identity} has ${arrival.queued - 1} messages queued (limit ${this.config.maxQueuedPerCharger})`,
      };
    }
    const job = this.jobOf(m, target);
    if (policy.supersedeKey) this.markLatest(job, policy.supersedeKey(m.request));
    if (arrival.backlog) {
      if (arrival.queued > 1) return this.behindBacklog(job, policy);
      // Nothing else of the charger is queued: the flag outlived its messages (in Redis it survives a restart, and the
      // run that delivered them after the restart may not have known they were stored). Nothing waits: it goes.
      this.clearStaleBacklog(m.identity);
    }
    return this.submit(job, policy);
  }

  /** A charger that speaks another dialect than before is followed (its contact records it): one line says so. */
  private noteDialect(m: ChargerMessage): void {
    const previous = this.dialects.get(m.identity);
    if (previous === m.dialect) return;
    if (previous === undefined && this.dialects.size >= this.config.maxChargers) this.dialects.clear();
    this.dialects.set(m.identity, m.dialect);
    if (previous !== undefined)
      this.logger.warn(
        { chargeBoxIdentity: m.identity, previous, dialect: m.dialect },
        `charger ${m.identity} now speaks ${m.dialect} (was ${previous}): its messages and commands follow`,
      );
  }

  private contactOf(m: ChargerMessage, target: CsmsProtocol): ChargerContact {
    return {
      lastSoapContact: m.receivedAt,
      lastAction: m.action,
      remoteAddress: m.remoteAddress,
      callbackUrl: m.callback?.url,
      callbackSource: m.callback?.source,
      dialect: m.dialect,
      csmsProtocol: target,
    };
  }

  /** Every change of a callback URL is a warning with both addresses and the sender; credentials never shown. */
  private callbackChanged(m: ChargerMessage, previous: string | undefined): void {
    this.observer.onCallbackChange?.(m.identity, m.callback!.source);
    this.logger.warn(
      {
        chargeBoxIdentity: m.identity,
        previous: previous && withoutUserInfo(previous),
        callbackUrl: withoutUserInfo(m.callback!.url),
        header: m.callback!.source,
        remoteAddress: m.remoteAddress,
      },
      `callback URL of ${m.identity} ${previous ? `changed from ${withoutUserInfo(previous)}` : 'learned'}: ${withoutUserInfo(m.callback!.url)} (${m.callback!.source}, sent from ${m.remoteAddress ?? 'unknown'})`,
    );
  }

  /**
   * The CSMS refuses the identity at the handshake: nothing is queued that nobody would drain; the charger keeps its
   * messages (503), and a BootNotification is told Rejected, as the CSMS would in OCPP-J (docs/translation.md#bootnotification).
   */
  private refusedByCsms(m: ChargerMessage, policy: MessagePolicy, status: number): ChargerAnswer {
    this.queued.release(m.identity);
    // The refusal may have been recorded by another instance, or before a restart: someone must keep asking the CSMS.
    this.capacity.ensure(m.identity);
    if (policy.unknownIdentityAnswer)
      return {
        kind: 'response',
        body: policy.unknownIdentityAnswer(isoTime(Date.now()), this.config.bootRetryIntervalSec),
      };
    return {
      kind: 'retry',
      reason: `the CSMS refuses charger ${m.identity} (HTTP ${status} on the WebSocket handshake)`,
    };
  }

  private jobOf(m: ChargerMessage, target: CsmsProtocol): UpstreamJob {
    return {
      id: newId(),
      identity: m.identity,
      source: m.dialect,
      target,
      action: m.action,
      request: m.request,
      receivedAt: m.receivedAt,
      deadline: m.arrivedAt + this.config.csmsTimeoutMs,
      soapMessageId: m.soapMessageId,
    };
  }

  private async submit(job: UpstreamJob, policy: MessagePolicy, options: SubmitOptions = {}): Promise<ChargerAnswer> {
    const outcome = await this.queue.submit(job, options);
    if (outcome.kind === 'retry' && outcome.queued === false) this.queued.release(job.identity);
    return withJobId(await this.chargerAnswerFor(outcome, job, policy), job.id);
  }

  /**
   * An earlier message of the charger is stored and waits for the CSMS (docs/architecture.md#delivery-semantics): a
   * store-and-forward message is queued behind it and answered as soon as it is durable; a message that needs a CSMS
   * decision cannot overtake it, so it gets an offline answer where a policy allows one, else 503 at once.
   */
  private async behindBacklog(job: UpstreamJob, policy: MessagePolicy): Promise<ChargerAnswer> {
    if (policy.storeAndForward) return this.submit({ ...job, acknowledged: true }, policy, { storeAtOnce: true });
    if (policy.offline && this.offline.enabled(policy)) {
      const answer = await this.offlineBehindBacklog(job, policy);
      if (answer) return answer;
    }
    this.queued.release(job.identity);
    return { kind: 'retry', reason: `charger ${job.identity} has stored messages waiting for the central system` };
  }

  /** The offline policies behind a backlog: the CSMS's earlier Authorize answer, or a local transaction id. */
  private async offlineBehindBacklog(job: UpstreamJob, policy: MessagePolicy): Promise<ChargerAnswer | undefined> {
    if (policy.offline === 'cached-authorization') {
      const cached = await this.offline.authorization(job.identity, (job.request as { idTag: string }).idTag);
      if (!cached) return undefined;
      this.queued.release(job.identity);
      return { kind: 'response', body: cached };
    }
    const local = await this.offline.startTransaction(
      job.identity,
      job.request as SharedStartTransaction,
      job.receivedAt,
    );
    if (!local) return undefined;
    this.logger.warn(
      { chargeBoxIdentity: job.identity, localTransactionId: local.transactionId },
      'stored messages wait for the CSMS: StartTransaction answered with a local transaction id (offlineStartTransaction policy)',
    );
    const stored = { ...job, acknowledged: true, localTransactionId: local.transactionId };
    const outcome = await this.queue.submit(stored, { storeAtOnce: true });
    // Durably queued: the charger gets its local id (a StartTransaction has no local answer of its own to give).
    if (outcome.kind === 'stored' || outcome.kind === 'response')
      return { kind: 'response', body: local, jobId: job.id };
    if (outcome.kind === 'retry' && outcome.queued === false) this.queued.release(job.identity);
    return withJobId(await this.chargerAnswerFor(outcome, stored, policy), job.id);
  }

  private clearStaleBacklog(identity: string): void {
    this.registry.contacts.setBacklog(identity, false).catch((err: unknown) => {
      this.logger.warn(
        { err: (err as Error).message, chargeBoxIdentity: identity },
        'could not clear a stale stored-messages flag',
      );
    });
  }

  /**
   * Not awaited: the mark only lets an older stored message with the same key be skipped as superseded; should it land
   * after that message is replayed, the older one is merely delivered too.
   */
  private markLatest(job: UpstreamJob, key: string): void {
    this.registry.supersede.markLatest(job.identity, key, job.id).catch((err: unknown) => {
      this.logger.warn(
        { err: (err as Error).message, chargeBoxIdentity: job.identity },
        'could not mark the newest message of its kind',
      );
    });
  }

  /** The charger's answer for a queue outcome (docs/architecture.md#delivery-semantics). */
  private async chargerAnswerFor(outcome: JobOutcome, job: UpstreamJob, policy: MessagePolicy): Promise<ChargerAnswer> {
    const local = () => policy.localResponse?.(job.request, isoTime(Date.now()));
    switch (outcome.kind) {
      case 'response':
        return { kind: 'response', body: outcome.body };
      case 'fault':
        return { kind: 'fault', fault: outcome.fault };
      case 'retry':
        return { kind: 'retry', reason: outcome.reason };
      case 'stored': {
        // Durably queued and to be delivered later: the charger gets the answer that needs no CSMS decision.
        const body = local();
        return body ? { kind: 'response', body } : { kind: 'retry', reason: 'central system unavailable' };
      }
      case 'expired':
        return this.answerExpired(outcome.queued, job, policy, local());
    }
  }

  /** No outcome within CSMS_TIMEOUT_MS: an offline answer, the local answer of a stored message, or "retry later". */
  private async answerExpired(
    queued: boolean,
    job: UpstreamJob,
    policy: MessagePolicy,
    local: object | undefined,
  ): Promise<ChargerAnswer> {
    if (policy.offline === 'cached-authorization' && this.offline.enabled(policy)) {
      const cached = await this.offline.authorization(job.identity, (job.request as { idTag: string }).idTag);
      if (cached) return { kind: 'response', body: cached };
    }
    if (queued && local) {
      this.logger.info(
        { chargeBoxIdentity: job.identity, messageId: job.soapMessageId, action: job.action },
        'CSMS slow: message stored for later delivery, answered locally',
      );
      return { kind: 'response', body: local };
    }
    return {
      kind: 'retry',
      reason: `central system did not answer ${job.action} within ${this.config.csmsTimeoutMs} ms`,
    };
  }
}
