import type { GatewayConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import { LeftInQueue, type JobOutcome, type UpstreamJob } from '../queue/upstream-queue.js';
import { faultOf, SoapFaultError } from '../soap/fault.js';
import { emptyChargerState } from '../state/charger-state.js';
import type { ChargerRegistry } from '../state/registry.js';
import type { TranslationContext, TranslationOptions } from '../translate/common.js';
import { chargerInitiated15to16 } from '../translate/registry.js';
import { UpstreamError } from '../upstream/connection.js';
import { RpcError } from '../upstream/frames.js';
import type { UpstreamPool } from '../upstream/pool.js';
import { check16 } from '../upstream/schemas.js';
import { sendFollowUps } from './follow-ups.js';
import { offlineAuthorization } from './offline-authorize.js';
import { mapLocalTransaction, mintLocalTransaction, withCsmsTransactionId } from '../translate/local-transactions.js';
import type { StartTransactionRequest15 } from '../translate/ocpp15.js';
import type { FollowUpCall } from '../translate/operation.js';
import { faultOfRpcError } from './rpc-fault.js';

export interface MessageObserver {
  /** Called once per processed charger message, for metrics and the message trace. */
  onExchange?(event: ExchangeEvent): void;
}

export interface ExchangeEvent {
  identity: string;
  action: string;
  jobId: string;
  call?: object;
  result?: object;
  outcome: JobOutcome;
  /** answered by the CSMS, by the gateway itself, or failed */
  via: 'csms' | 'gateway' | 'error';
  /** The CSMS's CALLERROR code, when it answered with one. */
  rpcError?: string;
}

/**
 * The consumer of upstream jobs: for one charger message, load the charger's state, translate to 1.6, CALL the CSMS,
 * translate the answer back, store the new state, reply, then send the CALLs the gateway owes the CSMS.
 * The queue guarantees one job per charger at a time, so read-modify-write of the state is safe here.
 */
export class ChargerMessageProcessor {
  private readonly stopSignal = new AbortController();

  /** Shutdown: stored messages are left in the queue instead of being retried here. */
  stop(): void {
    this.stopSignal.abort();
  }

  private get stopping(): boolean {
    return this.stopSignal.signal.aborted;
  }

  constructor(
    private readonly config: GatewayConfig,
    private readonly registry: ChargerRegistry,
    private readonly upstream: UpstreamPool,
    private readonly logger: Logger,
    private readonly observer: MessageObserver = {},
  ) {}

  translationOptions(identity: string): TranslationOptions {
    return {
      celsiusUnit: this.config.celsiusUnit,
      timezone: this.config.chargers[identity]?.timezone ?? this.config.defaultTimezone,
      bootRetryIntervalSec: this.config.bootRetryIntervalSec,
    };
  }

  /** One job; the charger's queued count drops when it is finished (not when it is left to the queue on shutdown). */
  readonly process = async (job: UpstreamJob, reply: (outcome: JobOutcome) => void): Promise<void> => {
    await this.processJob(job, reply);
    // Not awaited: the count is a bound, and the charger's next message need not wait a round trip for it.
    this.registry.addQueued(job.identity, -1).catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'could not update the queued count'));
  };

  private readonly processJob = async (job: UpstreamJob, reply: (outcome: JobOutcome) => void): Promise<void> => {
    // A child logger costs a serialisation of its bindings: made only when this message has something to say.
    let child: Logger | undefined;
    const log = () => (child ??= this.logger.child({ chargeBoxIdentity: job.identity, messageId: job.soapMessageId, jobId: job.id, action: job.action }));
    const op = chargerInitiated15to16.get(job.action);
    if (!op) {
      reply({ kind: 'fault', fault: faultOf('NotSupported', `operation ${job.action} is not supported`) });
      return;
    }
    if (!op.storeAndForward && Date.now() >= job.deadline) {
      // The charger was told to retry; sending it now could create a decision (a transaction) it never learns of.
      log().warn('message expired in the queue before it could be sent; the charger was told to retry, not sent');
      return;
    }
    const state = (await this.registry.load(job.identity)) ?? emptyChargerState(job.identity);
    const ctx: TranslationContext = { receivedAt: job.receivedAt, options: this.translationOptions(job.identity), notes: [] };
    // A transaction the charger started offline is known to the CSMS by its own id (offline StartTransaction policy).
    const request = job.action === 'MeterValues' || job.action === 'StopTransaction' ? withCsmsTransactionId(state, job.request as { transactionId?: number }) : job.request;
    const event: ExchangeEvent = { identity: job.identity, action: job.action, jobId: job.id, outcome: { kind: 'response', body: {} }, via: 'csms' };
    const finish = (outcome: JobOutcome, via: ExchangeEvent['via']) => {
      event.outcome = outcome;
      event.via = via;
      // Translation notes are info lines: no child logger is made for them when info is not logged.
      if (ctx.notes.length > 0 && this.logger.isLevelEnabled('info')) for (const note of ctx.notes) log().info(note);
      reply(outcome);
      this.observer.onExchange?.(event);
    };

    // Map B.2: while the CSMS has not accepted the charger, only BootNotification goes through (SteVe does the same).
    if (job.action !== 'BootNotification' && (state.registration === 'Pending' || state.registration === 'Rejected')) {
      const fault = faultOf('SecurityError', `charger is not accepted by the central system (registration ${state.registration}); send BootNotification`);
      log().warn(fault.reason);
      finish({ kind: 'fault', fault }, 'gateway');
      return;
    }

    let payload: object;
    try {
      const outbound = op.toCall(request, state, ctx);
      if (outbound.kind === 'answer') {
        if (this.logger.isLevelEnabled('debug')) log().debug(outbound.reason);
        finish({ kind: 'response', body: outbound.response }, 'gateway');
        return;
      }
      payload = outbound.payload;
    } catch (err) {
      finish(this.failure(err, log()), 'error');
      return;
    }
    event.call = payload;
    const valid = check16(op.action, 'req', payload);
    if (!valid.ok) {
      log().error({ payload, schemaError: valid.message }, 'translated CALL is not valid OCPP 1.6; not sent');
      finish({ kind: 'fault', fault: faultOf('ProtocolError', `message cannot be expressed as valid OCPP 1.6: ${valid.message}`) }, 'error');
      return;
    }

    let result: Record<string, unknown> | undefined;
    /** Set when the charger was given a local transaction id (offline StartTransaction policy). */
    let localTransactionId: number | undefined;
    const offlineStart = job.action === 'StartTransaction' && this.config.offlineStartTransaction;
    for (let attempt = 0; result === undefined; attempt++) {
      const stored = op.storeAndForward || localTransactionId !== undefined;
      // A stored status that a newer one for the same connector has overtaken need not reach the CSMS (issue 4).
      if (op.action === 'StatusNotification' && (attempt > 0 || Date.now() > job.deadline)) {
        const latest = await this.registry.latestStatus(job.identity, (job.request as { connectorId: number }).connectorId);
        if (latest !== undefined && latest !== job.id) {
          log().info('stored StatusNotification superseded by a newer one for the same connector: not replayed');
          return;
        }
      }
      try {
        // Store-and-forward messages wait as long as it takes; the others only as long as the charger waits (a
        // StartTransaction under the offline policy a second less, so that the gateway decides before the charger
        // is told to retry).
        const deadline = stored ? Date.now() + this.config.csmsTimeoutMs : offlineStart ? job.deadline - 1_000 : job.deadline;
        result = await this.upstream.get(job.identity).call(op.action, payload, deadline);
      } catch (err) {
        if (err instanceof UpstreamError && offlineStart && localTransactionId === undefined && !this.stopping) {
          localTransactionId = await this.startOffline(job, payload as { timestamp: string }, log, reply);
          if (localTransactionId !== undefined) {
            await sleep(retryDelayMs(attempt), this.stopSignal.signal);
            continue;
          }
        }
        if (err instanceof UpstreamError && stored && !this.stopping) {
          if (attempt === 0) {
            log().warn({ upstream: err.kind }, `CSMS unavailable (${err.message}): message stored, answered locally, delivered when the CSMS is back`);
            reply({ kind: 'stored' });
          }
          await sleep(retryDelayMs(attempt), this.stopSignal.signal);
          continue;
        }
        if (err instanceof UpstreamError && stored) {
          // Stopping: leave the job to the queue, which hands it to the next consumer (BullMQ attempts).
          throw new LeftInQueue(`gateway stopping with ${job.action} undelivered; left in the queue`);
        }
        if (err instanceof UpstreamError && err.handshakeStatus === 404 && job.action === 'BootNotification') {
          // OCPP-J 1.6 section 3.2 / errata 3.68: a 404 on the handshake is JSON's BootNotification Rejected (map B.2).
          log().warn('CSMS does not know this identity (HTTP 404 on the WebSocket handshake): BootNotification answered Rejected');
          await this.registry.update(job.identity, (s) => ({ ...s, registration: 'Rejected' }));
          finish(
            { kind: 'response', body: { status: 'Rejected', currentTime: new Date().toISOString(), heartbeatInterval: this.config.bootRetryIntervalSec } },
            'gateway',
          );
          return;
        }
        if (err instanceof UpstreamError && job.action === 'Authorize' && this.config.offlineAuthorize) {
          const cached = await offlineAuthorization(this.registry, job.identity, (job.request as { idTag: string }).idTag, this.config.authorizeCacheTtlSec);
          if (cached) {
            log().warn('CSMS unavailable: Authorize answered from the CSMS\'s earlier answer (offlineAuthorize policy)');
            finish({ kind: 'response', body: cached }, 'gateway');
            return;
          }
        }
        if (err instanceof RpcError) event.rpcError = err.code;
        finish(this.failure(err, log()), 'error');
        return;
      }
    }
    event.result = result;
    const validResult = check16(op.action, 'conf', result);
    if (!validResult.ok) {
      log().error({ result, schemaError: validResult.message }, 'CSMS answered with a payload that is not valid OCPP 1.6');
      finish({ kind: 'fault', fault: faultOf('InternalError', 'central system answered with an invalid payload') }, 'error');
      return;
    }

    let response: object;
    let followUps: FollowUpCall[] = [];
    /** The new state on its way to the registry: the charger's answer does not wait for the write (issue 5). */
    let saving: Promise<unknown> = Promise.resolve();
    try {
      response = op.toResponse(result, request, ctx);
      const reduce = op.reduce;
      if (reduce) {
        // Re-read under the charger's lock: a CSMS command may have changed the state while the CALL was out.
        let reduced!: () => void;
        const computed = new Promise<void>((resolve) => (reduced = resolve));
        saving = this.registry.update(job.identity, (current) => {
          const mapped = localTransactionId === undefined ? current : mapLocalTransaction(current, localTransactionId, (result as { transactionId: number }).transactionId);
          const next = reduce(mapped, { request, call: payload, result, response }, ctx);
          followUps = next.followUps ?? [];
          reduced();
          return next.state;
        });
        // Whichever comes first: the new state computed (answer now, the write goes on), or a failure to read or
        // reduce the state (the charger gets a Fault, as before).
        await Promise.race([computed, saving]);
      }
    } catch (err) {
      finish(this.failure(err, log()), 'error');
      return;
    }
    if (op.action === 'Authorize' && (this.config.offlineAuthorize || this.config.offlineStartTransaction)) {
      const idTagInfo = (result as { idTagInfo: { status: string } }).idTagInfo;
      await this.registry.cacheAuthorization(job.identity, (job.request as { idTag: string }).idTag, { idTagInfo, at: new Date().toISOString() });
    }
    finish({ kind: 'response', body: response }, 'csms');
    // The next message of this charger starts only when the state is written (the queue runs one job per charger).
    await saving.catch((err: unknown) => log().error({ err }, 'the CSMS answer reached the charger, but the charger state could not be saved'));
    // Synthesised transitions (map B.9 rule 4), after the charger has its answer. Most messages owe none: the child
    // logger is made only when there is something to send (issue 5 profile: one per message cost about 1% of CPU).
    if (followUps.length === 0) return;
    await sendFollowUps(job.identity, followUps, {
      upstream: this.upstream,
      registry: this.registry,
      timeoutMs: this.config.csmsTimeoutMs,
      options: ctx.options,
      logger: log(),
    });
  };

  /**
   * Offline StartTransaction policy: the charger gets a local transaction id, but only for an idTag the CSMS itself
   * accepted before (its cached Authorize answer); the StartTransaction stays queued and is delivered later.
   */
  private async startOffline(job: UpstreamJob, call: { timestamp: string }, log: () => Logger, reply: (outcome: JobOutcome) => void): Promise<number | undefined> {
    const start = job.request as StartTransactionRequest15;
    const cached = await offlineAuthorization(this.registry, job.identity, start.idTag, this.config.authorizeCacheTtlSec);
    if (!cached || cached.idTagInfo.status !== 'Accepted') return undefined;
    let localId = 0;
    await this.registry.update(job.identity, (state) => {
      const minted = mintLocalTransaction(state, start.connectorId, start.idTag, call.timestamp);
      localId = minted.localId;
      return minted.state;
    });
    log().warn({ localTransactionId: localId }, 'CSMS unavailable: StartTransaction answered with a local transaction id (offlineStartTransaction policy); delivered and mapped later');
    reply({ kind: 'response', body: { transactionId: localId, idTagInfo: cached.idTagInfo } });
    return localId;
  }

  private failure(err: unknown, log: Logger): JobOutcome {
    if (err instanceof SoapFaultError) {
      log.warn(`message refused: ${err.reason}`);
      return { kind: 'fault', fault: err.toFault() };
    }
    if (err instanceof RpcError) {
      log.warn({ rpcError: err.code }, `CSMS answered CALLERROR ${err.code}: ${err.description}`);
      return { kind: 'fault', fault: faultOfRpcError(err.code, err.description) };
    }
    if (err instanceof UpstreamError) {
      log.warn({ upstream: err.kind }, err.message);
      return { kind: 'retry', reason: `central system unavailable: ${err.message}` };
    }
    log.error({ err }, 'unexpected error while processing a charger message');
    return { kind: 'fault', fault: faultOf('InternalError', 'gateway failed to process the message') };
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
