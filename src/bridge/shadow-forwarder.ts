import type { CentralSystem } from '../config/migration.js';
import type { GatewayConfig } from '../config/config.js';
import { LeftInQueue, type JobOutcome, type UpstreamJob } from '../queue/upstream-queue.js';
import type { MigrationStore, ShadowCopy } from '../state/migration-store.js';
import { divergenceOf, type Divergence, type DivergenceKind } from '../translate/divergence.js';
import { afterShadow, shadowRequest, type SystemAnswer } from '../translate/routing.js';
import { retryDelayMs, sleepUnlessAborted } from '../util/backoff.js';
import type { Logger } from '../util/log.js';
import { callLegacy, legacyFailureOf, legacyTarget, type LegacyCalls } from './legacy-sender.js';
import { answerOf } from './routed-processor.js';

export interface ShadowObserver {
  onDivergence?(divergence: Divergence): void;
}

export interface ShadowDeps {
  config: Pick<
    GatewayConfig,
    'csmsTimeoutMs' | 'legacyTimeoutMs' | 'deadLetterAfterHours' | 'legacyCsUrl' | 'chargers' | 'legacyCsDialect'
  >;
  store: MigrationStore;
  /** This instance forwards the charger's copies (it consumes the charger's partition). */
  owns(identity: string): boolean;
  /** The CSMS bridge, for a copy: the same translation and delivery, nothing of the charger's queue or answers. */
  csms(job: UpstreamJob, reply: (outcome: JobOutcome) => void): Promise<void>;
  legacy: LegacyCalls;
  relayUrlOf(identity: string): string;
  logger: Logger;
  observer?: ShadowObserver;
}

/**
 * Delivers shadow copies, per charger in order, apart from the charger's own messages: a shadow that is down or slow
 * holds back nothing of the primary (docs/architecture.md#shadow-copies). Each answer is compared with the primary's;
 * a difference is a divergence. A transaction's ids are paired from the two answers to its StartTransaction, so the
 * shadow sees its own transaction id in the session's later messages.
 */
export class ShadowForwarder {
  private readonly draining = new Set<string>();
  private readonly again = new Set<string>();
  private readonly stopSignal = new AbortController();

  constructor(private readonly deps: ShadowDeps) {}

  /** A copy was written or settled for the charger: forward what is due. */
  kick(identity: string): void {
    if (this.draining.has(identity)) {
      this.again.add(identity);
      return;
    }
    void this.drain(identity);
  }

  /** At start, and when partitions change hands: forward what waits for the chargers this instance now owns. */
  async resume(): Promise<void> {
    for (const identity of await this.deps.store.chargersWithCopies())
      if (this.deps.owns(identity)) this.kick(identity);
  }

  stop(): void {
    this.stopSignal.abort();
  }

  private async drain(identity: string): Promise<void> {
    this.draining.add(identity);
    try {
      do {
        this.again.delete(identity);
        while (!this.stopSignal.signal.aborted && this.deps.owns(identity)) {
          const [copy] = await this.deps.store.copies(identity, 1);
          if (!copy) break;
          if (!(await this.forward(copy))) return;
          await this.deps.store.removeCopy(identity, copy.id);
        }
      } while (this.again.has(identity));
    } catch (err) {
      this.deps.logger.error(
        { err: (err as Error).message, chargeBoxIdentity: identity },
        'shadow copies of this charger could not be forwarded; tried again at its next message',
      );
    } finally {
      this.draining.delete(identity);
    }
  }

  /** true when the copy is done with (answered, or given up); false when the gateway stops first. */
  private async forward(copy: ShadowCopy): Promise<boolean> {
    const { store } = this.deps;
    const routing = await store.routing(copy.identity);
    const mapped = shadowRequest(copy.action, copy.request, routing);
    if ('unmapped' in mapped) {
      await this.diverged(
        copy,
        { kind: 'none', reason: 'not sent' },
        'unmapped-transaction',
        `transaction ${mapped.unmapped} started before the shadow was added; not sent to it`,
      );
      return true;
    }
    for (let attempt = 0; ; attempt++) {
      const answer = await this.ask(copy, mapped.request);
      if (answer === undefined) return false;
      if (answer.kind !== 'none') {
        await this.compared(copy, answer);
        return true;
      }
      if (attempt === 0)
        await this.diverged(copy, answer, 'missing', `the shadow did not answer: ${answer.reason}; tried again`);
      if (Date.now() - copy.createdAt > this.deps.config.deadLetterAfterHours * 3_600_000) {
        this.deps.logger.error(
          { chargeBoxIdentity: copy.identity, jobId: copy.id, action: copy.action },
          `shadow copy given up after ${this.deps.config.deadLetterAfterHours} h without an answer from the ${copy.target}`,
        );
        return true;
      }
      await sleepUnlessAborted(retryDelayMs(attempt), this.stopSignal.signal);
      if (this.stopSignal.signal.aborted || !this.deps.owns(copy.identity)) return false;
    }
  }

  private async compared(copy: ShadowCopy, answer: SystemAnswer): Promise<void> {
    const primary = copy.primary;
    const found = divergenceOf(copy.action, primary, answer);
    if (found) await this.diverged(copy, answer, found.kind, found.detail);
    await this.deps.store.updateRouting(copy.identity, (r) =>
      afterShadow(r, copy.action, copy.request, primary, answer),
    );
  }

  private async diverged(copy: ShadowCopy, answer: SystemAnswer, kind: DivergenceKind, detail: string): Promise<void> {
    const primarySystem: CentralSystem = copy.target === 'csms' ? 'legacy' : 'csms';
    const divergence: Divergence = {
      id: `${copy.id}:${kind}`,
      identity: copy.identity,
      operation: copy.action,
      kind,
      at: new Date().toISOString(),
      primary: { system: primarySystem, answer: copy.primary },
      shadow: { system: copy.target, answer },
      detail,
    };
    this.deps.logger.info(
      { chargeBoxIdentity: copy.identity, jobId: copy.id, operation: copy.action, kind },
      `shadow divergence (${kind}) on ${copy.action}: ${detail}`,
    );
    await this.deps.store.addDivergence(divergence);
    this.deps.observer?.onDivergence?.(divergence);
  }

  /** One attempt at the shadow; undefined when the gateway stops meanwhile. */
  private async ask(copy: ShadowCopy, request: unknown): Promise<SystemAnswer | undefined> {
    return copy.target === 'csms' ? this.askCsms(copy, request) : this.askLegacy(copy, request);
  }

  private async askCsms(copy: ShadowCopy, request: unknown): Promise<SystemAnswer | undefined> {
    const job: UpstreamJob = {
      id: copy.id,
      identity: copy.identity,
      source: copy.source,
      target: copy.csmsProtocol,
      action: copy.action,
      request,
      receivedAt: copy.receivedAt,
      deadline: Date.now() + this.deps.config.csmsTimeoutMs,
      soapMessageId: copy.soapMessageId,
    };
    let outcome: JobOutcome | undefined;
    try {
      await this.deps.csms(job, (o) => (outcome ??= o));
    } catch (err) {
      if (err instanceof LeftInQueue) return undefined;
      throw err;
    }
    // No answer at all: the bridge chose not to send it (superseded by a newer one of its kind); nothing to compare.
    return outcome ? answerOf(outcome) : { kind: 'stored' };
  }

  private async askLegacy(copy: ShadowCopy, request: unknown): Promise<SystemAnswer> {
    // Never a copy in a dialect the legacy system does not speak (docs/architecture.md#migration-routing).
    const target = legacyTarget(this.deps.config, copy.identity, copy.source);
    if ('fault' in target) return { kind: 'none', reason: target.fault.reason };
    const to = { identity: copy.identity, dialect: copy.source, url: target.url };
    try {
      const body = await callLegacy(this.deps, to, copy.action, request, this.deps.config.legacyTimeoutMs);
      return { kind: 'response', body };
    } catch (err) {
      const failure = legacyFailureOf(err);
      return failure.kind === 'refused' && failure.fault
        ? { kind: 'fault', fault: failure.fault }
        : { kind: 'none', reason: failure.kind === 'unexpected' ? String(failure.err) : failure.reason };
    }
  }
}
