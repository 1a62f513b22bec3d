import { legacyDialectProblem, legacyUrlOf } from '../config/migration.js';
import type { GatewayConfig } from '../config/config.js';
import type { SourceDialect } from '../ocpp/protocols.js';
import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';
import type { JobOutcome, UpstreamJob } from '../queue/upstream-queue.js';
import { SoapCallError, soapFailureClass } from '../soap/soap-call-error.js';
import { sourcePolicies } from '../translate/tables.js';
import type { Logger } from '../util/log.js';
import { Delivery, expiredInQueue, type DeliveryDeps, type SendFailure, type Sender } from './delivery.js';

/** The legacy central system, as the bridge calls it (soap/soap-client.ts). */
export interface LegacyCalls {
  call(
    to: { identity: string; dialect: SourceDialect; url: string },
    operation: string,
    request: object,
    options: { from: string; replyTo?: string; timeoutMs: number },
  ): Promise<object>;
}

export interface LegacyDeps {
  config: Pick<
    GatewayConfig,
    'legacyCsUrl' | 'chargers' | 'legacyTimeoutMs' | 'deadLetterAfterHours' | 'legacyCsDialect'
  >;
  registry: DeliveryDeps['registry'];
  legacy: LegacyCalls;
  /** The gateway's own ChargePointService address for a charger: the legacy system's calls to it come there. */
  relayUrlOf(identity: string): string;
  logger: Logger;
  stopping: AbortSignal;
}

/** How a failed call to the legacy system reads: a Fault is its refusal, anything else an outage. */
export function legacyFailureOf(err: unknown): SendFailure {
  if (err instanceof SoapCallError && soapFailureClass(err) === 'refusal' && err.fault) {
    const { code, subcode, reason } = err.fault;
    return {
      kind: 'refused',
      reason: `legacy system answered Fault ${code}/${subcode}: ${reason}`,
      err,
      fault: err.fault,
    };
  }
  return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err), err };
}

/**
 * Where a charger's messages reach the legacy system, or the Fault that says why they cannot: a dialect the legacy
 * system does not speak, or no legacy URL (docs/architecture.md#migration-routing).
 */
export function legacyTarget(
  config: LegacyDeps['config'],
  identity: string,
  dialect: SourceDialect,
): { url: string } | { fault: SoapFault } {
  const problem = legacyDialectProblem(config, identity, dialect);
  if (problem) return { fault: faultOf('NotSupported', problem) };
  const url = legacyUrlOf(config, identity);
  if (url) return { url };
  const reason = `charger ${identity} is routed to the legacy system, but no legacy URL is configured for it (LEGACY_CS_URL)`;
  return { fault: faultOf('InternalError', reason) };
}

/** One call to the legacy system for a charger, as the gateway makes them all: its own relay address as sender. */
export function callLegacy(
  deps: Pick<LegacyDeps, 'legacy' | 'relayUrlOf'>,
  to: { identity: string; dialect: SourceDialect; url: string },
  action: string,
  request: unknown,
  timeoutMs: number,
): Promise<object> {
  const relay = deps.relayUrlOf(to.identity);
  return deps.legacy.call(to, action, request as object, { from: relay, replyTo: relay, timeoutMs });
}

/**
 * One charger message passed to the legacy central system (docs/architecture.md#migration-routing), with the
 * semantics of every delivery (bridge/delivery.ts): the legacy system's answer or Fault goes to the charger as it
 * is; when it cannot be asked, a store-and-forward message is answered locally and delivered later, a decision gets
 * 503. Resolves when the message is done with.
 */
export async function deliverToLegacy(
  job: UpstreamJob,
  reply: (outcome: JobOutcome) => void,
  deps: LegacyDeps,
): Promise<void> {
  const sender = new LegacySender(job, reply, deps);
  if (expiredInQueue(job, sender.stored, () => sender.log())) return;
  const target = legacyTarget(deps.config, job.identity, job.source);
  if ('fault' in target) {
    sender.log().warn(target.fault.reason);
    return reply({ kind: 'fault', fault: target.fault });
  }
  sender.url = target.url;
  const delivery = new Delivery(sender, deps);
  const body = await delivery.deliver();
  if (body && !delivery.answered) reply({ kind: 'response', body });
}

/** The legacy system as a delivery's system. */
class LegacySender implements Sender<object> {
  readonly system = 'legacy system';
  readonly marksBacklog = true;
  readonly stored: boolean;
  url = '';
  private logger?: Logger;

  constructor(
    readonly job: UpstreamJob,
    readonly reply: (outcome: JobOutcome) => void,
    private readonly deps: LegacyDeps,
  ) {
    this.stored = sourcePolicies(job.source).get(job.action)?.storeAndForward === true;
  }

  log(): Logger {
    const { job } = this;
    return (this.logger ??= this.deps.logger.child({
      chargeBoxIdentity: job.identity,
      jobId: job.id,
      action: job.action,
      to: 'legacy',
    }));
  }

  /** Decisions wait as long as the charger does; stored messages for the usual bound. */
  send(acknowledged: boolean): Promise<object> {
    const { job, deps } = this;
    const bound = deps.config.legacyTimeoutMs;
    const timeoutMs = acknowledged ? bound : Math.max(1, Math.min(bound, job.deadline - Date.now()));
    return callLegacy(
      deps,
      { identity: job.identity, dialect: job.source, url: this.url },
      job.action,
      job.request,
      timeoutMs,
    );
  }

  failure(err: unknown): SendFailure {
    return legacyFailureOf(err);
  }

  async fail(failure: SendFailure): Promise<void> {
    if (failure.kind === 'refused' && failure.fault) return this.reply({ kind: 'fault', fault: failure.fault });
    const reason = `legacy central system unavailable: ${failure.kind === 'unexpected' ? String(failure.err) : failure.reason}`;
    this.log().warn(reason);
    this.reply({ kind: 'retry', reason });
  }
}
