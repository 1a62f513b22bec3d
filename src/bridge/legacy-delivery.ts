import { legacyDialectProblem, legacyUrlOf } from '../config/migration.js';
import type { GatewayConfig } from '../config/config.js';
import type { SourceDialect } from '../ocpp/protocols.js';
import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';
import { LeftInQueue, type JobOutcome, type UpstreamJob } from '../queue/upstream-queue.js';
import type { ChargerRegistry } from '../state/registry.js';
import { sourcePolicies } from '../translate/tables.js';
import { retryDelayMs, sleepUnlessAborted } from '../util/backoff.js';
import type { Logger } from '../util/log.js';
import { RefusalBound } from './dead-letters.js';

/** The legacy central system, as the bridge calls it (soap/soap-client.ts). */
export interface LegacyCalls {
  call(
    to: { identity: string; dialect: SourceDialect; url: string },
    operation: string,
    request: object,
    options: { from: string; replyTo?: string; timeoutMs: number },
  ): Promise<object>;
}

/** How a failed call to the legacy system reads: it refused the message (a Fault), or it could not be asked. */
export type LegacyFailure = { refused: SoapFault } | { unavailable: string };

export interface LegacyDeps {
  config: Pick<
    GatewayConfig,
    'legacyCsUrl' | 'chargers' | 'legacyTimeoutMs' | 'deadLetterAfterHours' | 'legacyCsDialect'
  >;
  registry: ChargerRegistry;
  legacy: LegacyCalls;
  classify(err: unknown): LegacyFailure;
  /** The gateway's own ChargePointService address for a charger: the legacy system's calls to it come there. */
  relayUrlOf(identity: string): string;
  logger: Logger;
  stopping: AbortSignal;
}

/**
 * One charger message passed to the legacy central system (docs/architecture.md#migration-routing), with the
 * semantics a CSMS outage has (docs/architecture.md#delivery-semantics): the legacy system's answer or Fault goes to
 * the charger as it is; when it cannot be asked, a store-and-forward message is answered locally and delivered later,
 * a decision gets 503. A message the charger was already answered for is redelivered after a Fault, and after
 * `deadLetterAfterHours` becomes a dead letter. Resolves when the message is done with.
 */
export class LegacyDelivery {
  private acknowledged: boolean;
  private readonly stored: boolean;
  private readonly refusals: RefusalBound;
  private backlog = false;

  constructor(
    private readonly job: UpstreamJob,
    private readonly reply: (outcome: JobOutcome) => void,
    private readonly deps: LegacyDeps,
  ) {
    this.stored = sourcePolicies(job.source).get(job.action)?.storeAndForward === true;
    this.acknowledged = job.acknowledged === true || (this.stored && Date.now() > job.deadline);
    this.refusals = new RefusalBound(job, 'legacy system', deps);
  }

  private log(): Logger {
    return this.deps.logger.child({
      chargeBoxIdentity: this.job.identity,
      jobId: this.job.id,
      action: this.job.action,
      to: 'legacy',
    });
  }

  async deliver(): Promise<void> {
    const { job, deps } = this;
    if (!this.stored && !this.acknowledged && Date.now() >= job.deadline) {
      this.log().warn('message expired in the queue before it could be sent; the charger was told to retry, not sent');
      return;
    }
    const dialectProblem = legacyDialectProblem(deps.config, job.identity, job.source);
    if (dialectProblem) {
      this.log().warn(dialectProblem);
      this.reply({ kind: 'fault', fault: faultOf('NotSupported', dialectProblem) });
      return;
    }
    const url = legacyUrlOf(deps.config, job.identity);
    if (!url) {
      this.reply({
        kind: 'fault',
        fault: faultOf(
          'InternalError',
          `charger ${job.identity} is routed to the legacy system, but no legacy URL is configured for it (LEGACY_CS_URL)`,
        ),
      });
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const body = await deps.legacy.call(
          { identity: job.identity, dialect: job.source, url },
          job.action,
          job.request as object,
          { from: deps.relayUrlOf(job.identity), replyTo: deps.relayUrlOf(job.identity), timeoutMs: this.timeoutMs() },
        );
        if (!this.acknowledged) this.reply({ kind: 'response', body });
        else if (attempt > 0 || this.refusals.count > 0)
          this.log().info({ attempts: attempt + 1 }, 'stored message delivered to the legacy system');
        await this.clearBacklog();
        return;
      } catch (err) {
        if (!(await this.again(deps.classify(err), attempt))) return;
        await sleepUnlessAborted(retryDelayMs(attempt), deps.stopping);
      }
    }
  }

  /** Decisions wait as long as the charger does; stored messages for the usual bound. */
  private timeoutMs(): number {
    if (this.acknowledged) return this.deps.config.legacyTimeoutMs;
    return Math.max(1, Math.min(this.deps.config.legacyTimeoutMs, this.job.deadline - Date.now()));
  }

  /** After a failed attempt: true to try again, false when the message is done with. */
  private async again(failure: LegacyFailure, attempt: number): Promise<boolean> {
    const stopping = this.deps.stopping.aborted;
    if ('refused' in failure) {
      if (!this.acknowledged) {
        this.reply({ kind: 'fault', fault: failure.refused });
        return false;
      }
      if (stopping)
        throw new LeftInQueue(
          `gateway stopping with ${this.job.action} undelivered to the legacy system; left in the queue`,
        );
      return this.afterRefusal(failure.refused);
    }
    if (!this.stored) {
      this.log().warn(`legacy central system unavailable: ${failure.unavailable}`);
      this.reply({ kind: 'retry', reason: `legacy central system unavailable: ${failure.unavailable}` });
      return false;
    }
    if (stopping)
      throw new LeftInQueue(
        `gateway stopping with ${this.job.action} undelivered to the legacy system; left in the queue`,
      );
    if (attempt === 0)
      this.log().warn(
        `legacy central system unavailable (${failure.unavailable}): message stored, answered locally, delivered when it is back`,
      );
    this.acknowledge();
    return true;
  }

  private acknowledge(): void {
    if (!this.acknowledged) this.reply({ kind: 'stored' });
    this.acknowledged = true;
    if (this.backlog) return;
    this.backlog = true;
    this.deps.registry
      .setBacklog(this.job.identity, true)
      .catch((err: unknown) =>
        this.log().warn({ err: (err as Error).message }, 'could not mark the charger as having stored messages'),
      );
  }

  private async clearBacklog(): Promise<void> {
    if (!this.acknowledged) return;
    this.backlog = false;
    await this.deps.registry.setBacklog(this.job.identity, false).catch(() => undefined);
  }

  /** A Fault to a message the charger was answered for: redelivered, or after the bound a dead letter. */
  private async afterRefusal(fault: SoapFault): Promise<boolean> {
    const reason = `legacy system answered Fault ${fault.code}/${fault.subcode}: ${fault.reason}`;
    if (await this.refusals.refused(reason, this.log())) return true;
    await this.clearBacklog();
    return false;
  }
}
