import { failedInside, type JobOutcome, type UpstreamJob } from '../queue/upstream-queue.js';
import { faultOf } from '../ocpp/soap-fault.js';
import { RpcError } from '../ocpp/rpc-error.js';
import { TranslationError, type TranslationContext } from '../translate/context.js';
import type { ChargerInitiatedOperation } from '../translate/operation.js';
import type { MessagePolicy } from '../translate/source-policy.js';
import { UpstreamError } from '../upstream/connection-types.js';
import type { WireTexts } from '../upstream/frames.js';
import type { Logger } from '../util/log.js';
import type { TranslationPath } from './translation-paths.js';
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
  /** The texts `call` went out and `result` came in as, for the message trace. */
  wire?: WireTexts;
}

/**
 * One charger message on its way through the processor: what the path and the source dialect say about it, the
 * translation context, and the one way to end it (finish: reply to the charger, log the translation notes, tell the
 * observers).
 */
export class MessageRun {
  readonly event: ExchangeEvent;
  /** The CALL action, once translated (an operation may send another action than its usual one). */
  csmsAction: string;
  private child?: Logger;

  constructor(
    readonly job: UpstreamJob,
    readonly path: TranslationPath,
    readonly policy: MessagePolicy,
    readonly op: ChargerInitiatedOperation,
    readonly ctx: TranslationContext,
    /** The request as translation sees it (a local transaction id already mapped to the CSMS's). */
    public request: unknown,
    readonly reply: (outcome: JobOutcome) => void,
    private readonly logger: Logger,
    private readonly observer: MessageObserver,
  ) {
    this.csmsAction = op.csmsAction;
    this.event = {
      identity: job.identity,
      action: job.action,
      jobId: job.id,
      outcome: { kind: 'response', body: {} },
      via: 'csms',
      wire: {},
    };
  }

  /** A child logger costs a serialisation of its bindings: made only when this message has something to say. */
  log(): Logger {
    return (this.child ??= this.logger.child({
      chargeBoxIdentity: this.job.identity,
      messageId: this.job.soapMessageId,
      jobId: this.job.id,
      action: this.job.action,
    }));
  }

  finish(outcome: JobOutcome, via: ExchangeEvent['via']): void {
    this.event.outcome = outcome;
    this.event.via = via;
    // Translation notes are info lines: no child logger is made for them when info is not logged.
    if (this.ctx.notes.length > 0 && this.logger.isLevelEnabled('info'))
      for (const note of this.ctx.notes) this.log().info(note);
    this.reply(outcome);
    this.observer.onExchange?.(this.event);
  }

  /** Ends the run with the outcome an error stands for. */
  fail(err: unknown): void {
    if (err instanceof RpcError) this.event.rpcError = err.code;
    this.finish(outcomeOfError(err, this.log()), 'error');
  }
}

/** What the charger is told when processing its message failed (docs/translation.md#errors). */
export function outcomeOfError(err: unknown, log: Logger): JobOutcome {
  if (err instanceof TranslationError) {
    log.warn(`message refused: ${err.message}`);
    return { kind: 'fault', fault: faultOf('ProtocolError', err.message) };
  }
  if (err instanceof RpcError) {
    log.warn({ rpcError: err.code }, `CSMS answered CALLERROR ${err.code}: ${err.description}`);
    return { kind: 'fault', fault: faultOfRpcError(err.code, err.description) };
  }
  if (err instanceof UpstreamError) {
    log.warn({ upstream: err.kind }, err.message);
    return { kind: 'retry', reason: `central system unavailable: ${err.message}` };
  }
  // A fault of the gateway (docs/architecture.md#error-classes): the charger keeps the message and sends it again.
  log.error({ err }, 'unexpected error while processing a charger message');
  return failedInside;
}
