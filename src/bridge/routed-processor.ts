import type { GatewayConfig } from '../config/config.js';
import {
  configuredRoute,
  legacyUrlOf,
  type Arrangement,
  type CentralSystem,
  type RouteName,
} from '../config/migration.js';
import type { JobOutcome, JobProcessor, UpstreamJob } from '../queue/upstream-queue.js';
import type { MigrationStore, ShadowCopy } from '../state/migration-store.js';
import { afterPrimary, arrangementFor, type SystemAnswer } from '../translate/routing.js';
import type { Logger } from '../util/log.js';

/** What the routed processor hands a message to: the CSMS bridge or the legacy system, and the shadow forwarder. */
export interface RoutedTargets {
  csms: JobProcessor;
  legacy: JobProcessor;
  /** A copy was written for the shadow: forward it when its turn comes. */
  copied(identity: string): void;
}

/** The answer a charger got, as the routing state and the divergence check see it. */
export function answerOf(outcome: JobOutcome): SystemAnswer {
  switch (outcome.kind) {
    case 'response':
      return { kind: 'response', body: outcome.body };
    case 'fault':
      return { kind: 'fault', fault: outcome.fault };
    case 'stored':
      return { kind: 'stored' };
    case 'retry':
      return { kind: 'none', reason: outcome.reason };
    case 'expired':
      return { kind: 'none', reason: 'no answer within the deadline' };
  }
}

/** Whether any charger can be routed through a legacy system: without one, routing costs nothing. */
export function migrationEnabled(config: Pick<GatewayConfig, 'legacyCsUrl' | 'chargers'>): boolean {
  return config.legacyCsUrl !== undefined || Object.values(config.chargers).some((c) => c.legacyUrl !== undefined);
}

/**
 * The queue's processor when migration routing is on (docs/architecture.md#migration-routing): each charger message
 * goes to the primary system of its arrangement (the transaction's owner, else the charger's route). With a shadow,
 * a copy with the primary's answer is durable before the charger gets that answer; a started transaction is recorded
 * as the primary's before the charger learns its id, so everything of that transaction follows it.
 */
export class RoutedProcessor {
  constructor(
    private readonly config: GatewayConfig,
    private readonly store: MigrationStore,
    private readonly targets: RoutedTargets,
    private readonly logger: Logger,
  ) {}

  /** The charger's route: set at run time, else configured. */
  routeOf(identity: string): RouteName {
    return this.store.route(identity) ?? configuredRoute(this.config, identity);
  }

  readonly process: JobProcessor = async (job, reply) => {
    const routing = await this.store.routing(job.identity);
    const arrangement = arrangementFor(job.action, job.request, routing, this.routeOf(job.identity));
    if (arrangement.primary === 'legacy' && !legacyUrlOf(this.config, job.identity)) arrangement.primary = 'csms';
    let answered: Promise<void> | undefined;
    let copied = false;
    const settle = (outcome: JobOutcome) => {
      copied = arrangement.shadow !== undefined && outcome.kind !== 'retry' && outcome.kind !== 'expired';
      answered = this.settle(job, arrangement, outcome).then(
        () => reply(outcome),
        (err: unknown) => {
          this.logger.error(
            { err: (err as Error).message, chargeBoxIdentity: job.identity, jobId: job.id },
            'could not record the routing of a message: the charger is told to retry',
          );
          reply({ kind: 'retry', reason: 'gateway state unavailable' });
        },
      );
    };
    try {
      await (arrangement.primary === 'legacy' ? this.targets.legacy : this.targets.csms)(job, settle);
    } finally {
      if (answered) await answered;
      if (copied) this.targets.copied(job.identity);
    }
  };

  private copyOf(job: UpstreamJob, target: CentralSystem, primary: SystemAnswer): ShadowCopy {
    return {
      id: job.id,
      identity: job.identity,
      target,
      source: job.source,
      csmsProtocol: job.target,
      action: job.action,
      request: job.request,
      receivedAt: job.receivedAt,
      soapMessageId: job.soapMessageId,
      createdAt: Date.now(),
      primary,
    };
  }

  /**
   * Before the charger is answered, in one commit: the shadow's copy with the primary's answer (none for a message the
   * charger is told to resend: its resend is copied), and a transaction's owner.
   */
  private async settle(job: UpstreamJob, arrangement: Arrangement, outcome: JobOutcome): Promise<void> {
    const answer = answerOf(outcome);
    let wrote = false;
    if (arrangement.shadow && answer.kind !== 'none') {
      await this.store.addCopy(this.copyOf(job, arrangement.shadow, answer));
      wrote = true;
    }
    if (job.action === 'StartTransaction' || job.action === 'StopTransaction') {
      const at = new Date().toISOString();
      await this.store.updateRouting(job.identity, (r) =>
        afterPrimary(r, job.action, job.request, answer, arrangement, at),
      );
      wrote = true;
    }
    // Only what this message wrote is waited for: a commit asked for nothing would still hold this answer for an fsync
    // of other chargers' pending state writes (docs/architecture.md#the-embedded-store).
    if (wrote) await this.store.durable();
  }
}
