import { checkOutbound } from '../ocpp/outbound-check.js';
import { setMaxListeners } from 'node:events';
import type { GatewayConfig } from '../config/config.js';
import { faultOf } from '../ocpp/soap-fault.js';
import type { SharedAuthorizeResponse } from '../ocpp/dialects.js';
import type { JobOutcome, UpstreamJob } from '../queue/upstream-queue.js';
import { emptyChargerState, type ChargerState } from '../translate/charger-state.js';
import type { TranslationContext } from '../translate/context.js';
import { mapLocalTransaction, withCsmsTransactionId } from '../translate/local-transactions.js';
import type { FollowUpCall } from '../translate/operation.js';
import { sourcePolicies } from '../translate/tables.js';
import type { Logger } from '../util/log.js';
import {
  CSMS_SHADOW,
  deliverToCsms,
  type CsmsDeps,
  type CsmsRole,
  type Delivered,
  type UpstreamCalls,
} from './csms-sender.js';
import { expiredInQueue } from './delivery.js';
import { sendFollowUps } from './follow-ups.js';
import { MessageRun, type MessageObserver } from './message-run.js';
import type { OfflinePolicies } from './offline-policies.js';
import { pathOf, translationOptions } from './translation-paths.js';

export type { ExchangeEvent, MessageObserver } from './message-run.js';

export interface ProcessorDeps {
  config: GatewayConfig;
  registry: CsmsDeps['registry'];
  upstream: UpstreamCalls;
  offline: OfflinePolicies;
  logger: Logger;
  observer?: MessageObserver;
}

/**
 * The consumer of upstream jobs (docs/architecture.md#the-flow): for one charger message, load the charger's state,
 * translate with the tables of its translation path, CALL the CSMS, translate the answer back, store the new state, reply, then
 * send the CALLs the gateway owes the CSMS. The queue runs one job per charger at a time, so read-modify-write of the
 * state is safe here.
 */
export class ChargerMessageProcessor {
  private readonly stopSignal = new AbortController();
  /**
   * What a delivery needs, made once: a spread copy per message takes V8's slow path
   * (docs/architecture.md#design-choices).
   */
  private readonly csmsDeps: CsmsDeps;

  constructor(private readonly deps: ProcessorDeps) {
    // Every stored message waiting to be redelivered listens for the stop: thousands during an outage, not a leak.
    setMaxListeners(0, this.stopSignal.signal);
    this.csmsDeps = { ...deps, stopping: this.stopSignal.signal };
  }

  /** Shutdown: stored messages are left in the queue instead of being retried here. */
  stop(): void {
    this.stopSignal.abort();
  }

  /** One job (the queue reports it finished, and its charger's queued count drops: FinishedMessages). */
  readonly process = (job: UpstreamJob, reply: (outcome: JobOutcome) => void): Promise<void> =>
    this.processJob(job, reply, { offline: this.deps.offline, marksBacklog: true });

  /** A shadow copy (docs/architecture.md#shadow-copies): bridged like a charger message; the charger's count is untouched. */
  readonly processShadow = (job: UpstreamJob, reply: (outcome: JobOutcome) => void): Promise<void> =>
    this.processJob(job, reply, CSMS_SHADOW);

  private async processJob(job: UpstreamJob, reply: (outcome: JobOutcome) => void, role: CsmsRole): Promise<void> {
    const loaded = (await this.deps.registry.states.load(job.identity)) ?? emptyChargerState(job.identity);
    const run = this.begin(job, loaded, reply);
    if (!run || this.refusedByRegistration(run, loaded)) return;
    const state = await this.reserve(run, loaded);
    if (!state) return;
    const payload = this.translate(run, state);
    if (!payload) return;
    const delivered = await deliverToCsms(run, payload, this.csmsDeps, role);
    if (delivered) await this.complete(run, payload, delivered, state);
  }

  /**
   * What the CALL must take from the state before it is sent (a 2.0.1 seqNo), written under the charger's lock so that
   * no CSMS command takes the same (docs/translation-201.md#seqno); the state to translate with, or undefined when the
   * run ended here. Nothing is written for an operation, or a message, that reserves nothing.
   */
  private async reserve(run: MessageRun, state: ChargerState): Promise<ChargerState | undefined> {
    const reserve = run.op.reserve;
    if (!reserve) return state;
    try {
      const quiet = { ...run.ctx, notes: [] };
      const reserved = reserve(state, run.request, quiet);
      if (reserved === state) return state;
      // The stores hand out the state they hold, so `current` is mostly the state just reserved on: the reservation is
      // a pure function of it, and is not computed again.
      return await this.deps.registry.states.update(run.job.identity, (current) =>
        current === state ? reserved : reserve(current, run.request, quiet),
      );
    } catch (err) {
      run.fail(err);
      return undefined;
    }
  }

  /**
   * The run of a job, or undefined when it ends here (no translation for it, or expired while it needed a decision).
   */
  private begin(job: UpstreamJob, state: ChargerState, reply: (outcome: JobOutcome) => void): MessageRun | undefined {
    const path = pathOf(job.source, job.target);
    const policy = sourcePolicies(job.source).get(job.action);
    const op = path?.tables.chargerInitiated.get(job.action);
    if (!path || !policy || !op) {
      reply({
        kind: 'fault',
        fault: faultOf('NotSupported', `operation ${job.action} is not supported from ${job.source} to ${job.target}`),
      });
      return undefined;
    }
    const options = translationOptions(this.deps.config, job.identity);
    // The message's own id and local transaction id: what a 2.0.1 CSMS needs the gateway to mint is derived from them.
    const ctx: TranslationContext = {
      receivedAt: job.receivedAt,
      options,
      notes: [],
      messageId: job.id,
      localTransactionId: job.localTransactionId,
    };
    // A transaction the charger started offline is known to the CSMS by its own id
    // (docs/translation.md#offline-policies).
    const request = policy.carriesTransactionId
      ? withCsmsTransactionId(state, job.request as { transactionId?: number })
      : job.request;
    const run = new MessageRun(job, path, policy, op, ctx, request, reply, this.deps.logger, this.deps.observer ?? {});
    return expiredInQueue(job, policy.storeAndForward, () => run.log()) ? undefined : run;
  }

  /**
   * While the CSMS has not accepted the charger, only its BootNotification goes through
   * (docs/translation.md#bootnotification).
   */
  private refusedByRegistration(run: MessageRun, state: ChargerState): boolean {
    if (!run.policy.needsRegistration || (state.registration !== 'Pending' && state.registration !== 'Rejected'))
      return false;
    const fault = faultOf(
      'SecurityError',
      `charger is not accepted by the central system (registration ${state.registration}); send BootNotification`,
    );
    run.log().warn(fault.reason);
    run.finish({ kind: 'fault', fault }, 'gateway');
    return true;
  }

  /** The CALL payload, checked against the target's schema; undefined when the run ended here. */
  private translate(run: MessageRun, state: ChargerState): object | undefined {
    let outbound: ReturnType<typeof run.op.toCall>;
    try {
      outbound = run.op.toCall(run.request, state, run.ctx);
    } catch (err) {
      run.fail(err);
      return undefined;
    }
    if (outbound.kind === 'answer') {
      if (this.deps.logger.isLevelEnabled('debug')) run.log().debug(outbound.reason);
      run.finish({ kind: 'response', body: outbound.response }, 'gateway');
      return undefined;
    }
    run.csmsAction = outbound.action ?? run.op.csmsAction;
    run.event.call = outbound.payload;
    const valid = checkOutbound(run.path.protocol, run.csmsAction, 'req', outbound.payload);
    if (!valid.ok) {
      run
        .log()
        .error(
          { payload: outbound.payload, schemaError: valid.message },
          `translated CALL is not valid ${run.job.target}; not sent`,
        );
      run.finish(
        {
          kind: 'fault',
          fault: faultOf('ProtocolError', `message cannot be expressed as valid ${run.job.target}: ${valid.message}`),
        },
        'error',
      );
      return undefined;
    }
    return outbound.payload;
  }

  /** The CSMS answered (validly): answer the charger, store the new state, then send what the gateway owes the CSMS. */
  private async complete(
    run: MessageRun,
    payload: object,
    { result, localTransactionId }: Delivered,
    state: ChargerState,
  ): Promise<void> {
    run.event.result = result;
    if (localTransactionId !== undefined) run.ctx.localTransactionId = localTransactionId;
    let response: object;
    let reduced: { saving: Promise<unknown>; followUps: () => FollowUpCall[] };
    try {
      response = run.op.toResponse(result, run.request, run.ctx, state);
      reduced = await this.reduce(run, { call: payload, result, response }, localTransactionId);
    } catch (err) {
      run.fail(err);
      return;
    }
    if (run.policy.offline === 'cached-authorization' && this.deps.offline.remembersAuthorizations) {
      const idTag = (run.job.request as { idTag: string }).idTag;
      await this.deps.offline.remember(run.job.identity, idTag, (response as SharedAuthorizeResponse).idTagInfo);
    }
    run.finish({ kind: 'response', body: response }, 'csms');
    // The next message of this charger starts only when the state is written (the queue runs one job per charger).
    await reduced.saving.catch((err: unknown) =>
      run.log().error({ err }, 'the CSMS answer reached the charger, but the charger state could not be saved'),
    );
    // Synthesised transitions (docs/translation.md#statusnotification), after the charger has its answer.
    const followUps = reduced.followUps();
    if (followUps.length === 0) return;
    await sendFollowUps(run.job.identity, followUps, {
      upstream: this.deps.upstream,
      registry: this.deps.registry,
      tables: run.path.tables,
      timeoutMs: this.deps.config.csmsTimeoutMs,
      options: run.ctx.options,
      log: () => run.log(),
      infoEnabled: this.deps.logger.isLevelEnabled('info'),
    });
  }

  /**
   * The exchange's new state, computed under the charger's lock (a CSMS command may have changed the state while the
   * CALL was out). Resolves once the state is computed: the charger's answer does not wait for the write, which goes
   * on in `saving`; a failure to read or reduce the state rejects (the charger gets a Fault).
   */
  private async reduce(
    run: MessageRun,
    exchange: { call: object; result: object; response: object },
    localTransactionId: number | undefined,
  ) {
    let followUps: FollowUpCall[] = [];
    const reduce = run.op.reduce;
    if (!reduce) return { saving: Promise.resolve(), followUps: () => followUps };
    let computed!: () => void;
    const done = new Promise<void>((resolve) => (computed = resolve));
    const saving = this.deps.registry.states.update(run.job.identity, (current) => {
      const csmsId = (exchange.result as { transactionId?: number }).transactionId;
      const mapped =
        localTransactionId === undefined || csmsId === undefined
          ? current
          : mapLocalTransaction(current, localTransactionId, csmsId);
      const next = reduce(mapped, { request: run.request, ...exchange }, run.ctx);
      followUps = next.followUps ?? [];
      computed();
      return next.state;
    });
    await Promise.race([done, saving]);
    return { saving, followUps: () => followUps };
  }
}
