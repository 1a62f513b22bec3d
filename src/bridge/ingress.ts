import { csmsProtocolOf, type GatewayConfig } from '../config/config.js';
import { faultOf } from '../ocpp/soap-fault.js';
import type { JobOutcome, UpstreamJob, UpstreamQueue } from '../queue/upstream-queue.js';
import type { ChargerAnswer, ChargerMessage, ChargerMessageSink } from '../soap/central-system-endpoint.js';
import type { ChargerRegistry } from '../state/registry.js';
import type { MessagePolicy } from '../translate/source-policy.js';
import { sourcePolicies } from '../translate/tables.js';
import { newId } from '../util/ids.js';
import type { Logger } from '../util/log.js';
import type { OfflinePolicies } from './offline-policies.js';
import { overflowDecision, type OverflowDecision } from './overflow.js';
import type { QueuedCount } from './queued-count.js';
import { routeOf } from './routes.js';

export interface IngressObserver {
  /** A charger over its queue bound: what was done with the message. */
  onOverflow?(identity: string, action: string, decision: Exclude<OverflowDecision, 'queue'>): void;
}

/**
 * Where a decoded charger message enters the bridge (docs/architecture.md#the-flow): it is routed (source dialect and
 * CSMS protocol), counted against the charger's queue bound, queued, and its outcome becomes the charger's answer.
 */
export class ChargerIngress implements ChargerMessageSink {
  constructor(
    private readonly config: GatewayConfig,
    private readonly registry: ChargerRegistry,
    private readonly queue: UpstreamQueue,
    private readonly queued: QueuedCount,
    private readonly offline: OfflinePolicies,
    private readonly logger: Logger,
    private readonly observer: IngressObserver = {},
  ) {}

  async accept(m: ChargerMessage): Promise<ChargerAnswer> {
    const target = csmsProtocolOf(this.config, m.identity);
    const policy = sourcePolicies(m.dialect).get(m.action);
    if (!policy || !routeOf(m.dialect, target)?.tables.chargerInitiated.has(m.action)) {
      return { kind: 'fault', fault: faultOf('NotSupported', `operation ${m.action} is not supported towards ${target}`) };
    }
    const count = await this.queued.arrive(m.identity, {
      lastSoapContact: m.receivedAt,
      lastAction: m.action,
      remoteAddress: m.remoteAddress,
      callbackUrl: m.callback?.url,
      callbackSource: m.callback?.source,
      dialect: m.dialect,
      csmsProtocol: target,
    });
    if (count === undefined) return { kind: 'retry', reason: 'gateway state (Redis) unavailable' };
    const overflow = overflowDecision(policy, count - 1, this.config.maxQueuedPerCharger);
    if (overflow !== 'queue') {
      this.queued.release(m.identity);
      this.observer.onOverflow?.(m.identity, m.action, overflow);
      if (overflow === 'answer-locally' && policy.localResponse) return { kind: 'response', body: policy.localResponse(m.request, new Date().toISOString()) };
      return { kind: 'retry', reason: `charger ${m.identity} has ${count - 1} messages queued (limit ${this.config.maxQueuedPerCharger})` };
    }
    const job: UpstreamJob = {
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
    if (policy.supersedeKey) this.markLatest(job, policy.supersedeKey(m.request));
    const outcome = await this.queue.submit(job);
    if (outcome.kind === 'retry' && outcome.queued === false) this.queued.release(m.identity);
    return { ...(await this.answerOf(outcome, job, policy)), jobId: job.id };
  }

  /**
   * Not awaited: the mark only lets an older stored message with the same key be skipped as superseded; should it land
   * after that message is replayed, the older one is merely delivered too.
   */
  private markLatest(job: UpstreamJob, key: string): void {
    this.registry.markLatest(job.identity, key, job.id).catch((err: unknown) => {
      this.logger.warn({ err: (err as Error).message, chargeBoxIdentity: job.identity }, 'could not mark the newest message of its kind');
    });
  }

  /** The charger's answer for a queue outcome (docs/architecture.md#delivery-semantics). */
  private async answerOf(outcome: JobOutcome, job: UpstreamJob, policy: MessagePolicy): Promise<ChargerAnswer> {
    const local = () => policy.localResponse?.(job.request, new Date().toISOString());
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
  private async answerExpired(queued: boolean, job: UpstreamJob, policy: MessagePolicy, local: object | undefined): Promise<ChargerAnswer> {
    if (policy.offline === 'cached-authorization' && this.offline.enabled(policy)) {
      const cached = await this.offline.authorization(job.identity, (job.request as { idTag: string }).idTag).catch(() => undefined);
      if (cached) return { kind: 'response', body: cached };
    }
    if (queued && local) {
      this.logger.info({ chargeBoxIdentity: job.identity, messageId: job.soapMessageId, action: job.action }, 'CSMS slow: message stored for later delivery, answered locally');
      return { kind: 'response', body: local };
    }
    return { kind: 'retry', reason: `central system did not answer ${job.action} within ${this.config.csmsTimeoutMs} ms` };
  }
}
