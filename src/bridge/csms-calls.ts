import { checkOutbound } from '../ocpp/outbound-check.js';
import { csmsProtocolOf, type GatewayConfig } from '../config/config.js';
import { FIRST_PATH } from '../ocpp/protocols.js';
import { RpcError } from '../ocpp/rpc-error.js';
import { SoapCallError } from '../soap/soap-call-error.js';
import type { SoapCallRecord, SoapClient } from '../soap/soap-client.js';
import type { ChargerContact, ChargerRegistry } from '../state/registry.js';
import { emptyChargerState, type ChargerState } from '../translate/charger-state.js';
import type {
  ChargerReply,
  ChargerStep,
  CsmsCallContext,
  GatewayAnswer,
  GatewayEffect,
} from '../translate/csms-operation.js';
import type { FollowUpCall } from '../translate/operation.js';
import type { CsmsCallOutcome } from '../upstream/connection-types.js';
import type { UpstreamPool } from '../upstream/pool.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import type { Logger } from '../util/log.js';
import { sendFollowUps } from './follow-ups.js';
import { pathOf, translationOptions, type TranslationPath } from './translation-paths.js';
import { rpcErrorCodeOfFault } from './rpc-fault.js';
import { isoTime } from '../util/iso-time.js';

export interface CsmsCallEvent {
  identity: string;
  action: string;
  messageId: string;
  request: object;
  outcome: { result: object } | { error: { code: string; description: string } };
  soap?: SoapCallRecord;
  durationMs: number;
}

export interface CsmsCallObserver {
  onCsmsCall?(event: CsmsCallEvent): void;
}

/** One CSMS call on its way to a charger: whom, by which translation path, with what the charger was last heard saying. */
interface CallTarget {
  identity: string;
  path: TranslationPath;
  contact?: ChargerContact;
}

/**
 * CSMS-initiated CALLs for one charger (docs/architecture.md#the-flow, docs/translation.md#csms-to-charger): validate
 * against the CSMS protocol's schema, translate with the tables of the charger's path, POST the SOAP request to the
 * charger's callback URL, translate the answer back. Calls to one charger are serialised (a SOAP charger may not
 * handle concurrent requests) and bounded below the CSMS's own timeout; every failure reaches the CSMS as a
 * CALLERROR that names the reason.
 */
export class CsmsCallHandler {
  private readonly serialiser = new KeyedSerialiser();
  private readonly idle = new IdleCalls((target) => this.idleCheck(target));

  constructor(
    private readonly config: GatewayConfig,
    private readonly registry: Pick<ChargerRegistry, 'states' | 'contacts' | 'secrets'>,
    private readonly client: SoapClient,
    private readonly upstream: UpstreamPool,
    private readonly logger: Logger,
    private readonly observer: CsmsCallObserver = {},
  ) {}

  readonly handle = async (
    identity: string,
    action: string,
    payload: Record<string, unknown>,
    messageId: string,
  ): Promise<CsmsCallOutcome> => {
    const log = this.logger.child({ chargeBoxIdentity: identity, messageId, action, direction: 'csms->charger' });
    const started = Date.now();
    const event: CsmsCallEvent = {
      identity,
      action,
      messageId,
      request: payload,
      outcome: { result: {} },
      durationMs: 0,
    };
    const finish = (outcome: CsmsCallEvent['outcome']) => {
      event.outcome = outcome;
      event.durationMs = Date.now() - started;
      this.observer.onCsmsCall?.(event);
    };
    const target = await this.target(identity);
    // Refusals need no charger and no queueing.
    const refusal = this.refusal(target.path, action, payload);
    if (refusal) {
      log.info(`refused with CALLERROR ${refusal.code}: ${refusal.description}`);
      finish({ error: { code: refusal.code, description: refusal.description } });
      throw refusal;
    }
    return new Promise<CsmsCallOutcome>((resolve, reject) => {
      void this.serialiser.run(identity, async () => {
        try {
          const outcome = await this.process(target, action, payload, log, event);
          finish({ result: outcome.payload });
          resolve(outcome);
        } catch (err) {
          const rpc = err instanceof RpcError ? err : this.unexpected(err, log);
          log.warn({ rpcError: rpc.code }, `CSMS call answered with CALLERROR ${rpc.code}: ${rpc.description}`);
          finish({ error: { code: rpc.code, description: rpc.description } });
          reject(rpc);
        }
      });
    });
  };

  /** The charger's path: its pinned dialect, else the one it last spoke (1.5 if none), and its CSMS protocol. */
  private async target(identity: string): Promise<CallTarget> {
    const contact = await this.registry.contacts.contact(identity);
    const dialect = this.config.chargers[identity]?.dialect ?? contact?.dialect ?? FIRST_PATH.source;
    const path =
      pathOf(dialect, csmsProtocolOf(this.config, identity)) ?? pathOf(FIRST_PATH.source, FIRST_PATH.target)!;
    return { identity, path, contact };
  }

  private refusal(path: TranslationPath, action: string, payload: object): RpcError | undefined {
    const { tables, protocol } = path;
    if (tables.notSupported.has(action))
      return new RpcError(
        'NotSupported',
        `${action} is not supported by the ${path.source} chargers behind this gateway`,
      );
    if (!tables.csmsInitiated.has(action))
      return new RpcError('NotImplemented', `${action} is not a known ${path.target} action`);
    const valid = protocol.check(action, 'req', payload);
    if (!valid.ok) return new RpcError(valid.code, valid.message.slice(0, 255));
    return undefined;
  }

  private async context(target: CallTarget): Promise<{ state: ChargerState; ctx: CsmsCallContext }> {
    const state = (await this.registry.states.load(target.identity)) ?? emptyChargerState(target.identity);
    const ctx: CsmsCallContext = {
      now: isoTime(Date.now()),
      options: translationOptions(this.config, target.identity),
      gatewayKeys: {
        webSocketPingInterval: state.webSocketPingInterval ?? this.config.wsPingIntervalSec,
        supportedFeatureProfiles: target.path.tables.supportedFeatureProfiles,
      },
      lastSoapContact: target.contact?.lastSoapContact,
      upstreamIdentity: this.config.chargers[target.identity]?.upstreamIdentity ?? target.identity,
      notes: [],
    };
    if (state.scheduledReset && target.path.tables.idleCall) this.idle.watch(target);
    return { state, ctx };
  }

  private async process(
    target: CallTarget,
    action: string,
    payload: Record<string, unknown>,
    log: Logger,
    event: CsmsCallEvent,
  ): Promise<CsmsCallOutcome> {
    const { state, ctx } = await this.context(target);
    const op = target.path.tables.csmsInitiated.get(action)!;
    let outbound = op.toSoap(payload, state, ctx);
    // An operation that needs several charger calls names them one at a time (docs/translation-201.md#setvariables).
    while (outbound.kind === 'step') outbound = outbound.step.next(await this.step(target, outbound.step, event));
    if (outbound.kind === 'answer') return this.answer(target, action, outbound, ctx, log);
    event.soap = {};
    const soapResponse = await this.callCharger(target, op.chargerAction!, outbound.request, event.soap);
    const result = op.fromSoap(soapResponse, payload, ctx);
    this.checkResult(target, action, result, log);
    for (const note of ctx.notes) log.info(note);
    const reduce = op.reduce;
    const soapRequest = outbound.request;
    if (reduce)
      await this.registry.states.update(target.identity, (current) =>
        reduce(current, { request: payload, soapRequest, soapResponse, result }, ctx),
      );
    return { payload: result };
  }

  /** A CALLRESULT that is not valid in the CSMS's protocol is a CALLERROR InternalError, never sent as it is. */
  private checkResult(target: CallTarget, action: string, result: object, log: Logger): void {
    const valid = checkOutbound(target.path.protocol, action, 'conf', result);
    if (valid.ok) return;
    log.error(
      { result, schemaError: valid.message },
      `charger answer cannot be expressed as a valid ${target.path.target} result`,
    );
    throw new RpcError(
      'InternalError',
      `charger answer cannot be expressed as valid ${target.path.target}: ${valid.message}`.slice(0, 255),
    );
  }

  /** One charger call of a multi-call operation; its failure ends the CSMS call only when the step says so. */
  private async step(target: CallTarget, step: ChargerStep<unknown>, event: CsmsCallEvent): Promise<ChargerReply> {
    event.soap = {};
    try {
      return { ok: true, response: await this.callCharger(target, step.chargerAction, step.request, event.soap) };
    } catch (err) {
      if (step.failFast || !(err instanceof RpcError)) throw err;
      return { ok: false, failure: err.description };
    }
  }

  /**
   * The gateway's own answer: checked like any result, its state change made, its effects applied; then, after the
   * CALLRESULT, the CALLs it owes the CSMS, after a charger call when the answer names one.
   */
  private async answer(
    target: CallTarget,
    action: string,
    outbound: GatewayAnswer<object>,
    ctx: CsmsCallContext,
    log: Logger,
  ): Promise<CsmsCallOutcome> {
    this.checkResult(target, action, outbound.result, log);
    for (const note of ctx.notes.splice(0)) log.info(note);
    const followUps = [...(outbound.followUps ?? [])];
    const update = outbound.update;
    if (update) {
      const next = await this.registry.states.update(target.identity, (current) => {
        const changed = update(current);
        followUps.push(...(changed.followUps ?? []));
        return changed.state;
      });
      if (next.scheduledReset) this.idle.watch(target);
    }
    const afterEffects: (() => void)[] = [];
    for (const effect of [...(outbound.effect ? [outbound.effect] : []), ...(outbound.effects ?? [])]) {
      const after = await this.apply(target.identity, effect, log);
      if (after) afterEffects.push(after);
    }
    const after = outbound.after;
    if (followUps.length === 0 && !after && afterEffects.length === 0) return { payload: outbound.result };
    return {
      payload: outbound.result,
      afterReply: () => {
        for (const effect of afterEffects) effect();
        if (followUps.length > 0 || after) void this.afterReply(target, followUps, after, ctx, log);
      },
    };
  }

  /**
   * After the CALLRESULT: the charger call the answer names (under the charger's lock), then the CALLs for the CSMS.
   */
  private async afterReply(
    target: CallTarget,
    followUps: FollowUpCall[],
    after: ChargerStep<FollowUpCall[]> | undefined,
    ctx: CsmsCallContext,
    log: Logger,
  ): Promise<void> {
    let calls = followUps;
    if (after) {
      let reply: ChargerReply = { ok: false, failure: 'not called' };
      await this.serialiser.run(target.identity, async () => {
        reply = await this.step(target, { ...after, failFast: false }, { soap: {} } as CsmsCallEvent).catch(
          (err: Error) => ({ ok: false, failure: err.message }),
        );
      });
      calls = [...calls, ...after.next(reply)];
      for (const note of ctx.notes.splice(0)) log.info(note);
    }
    await sendFollowUps(target.identity, calls, {
      upstream: this.upstream,
      registry: this.registry,
      tables: target.path.tables,
      timeoutMs: this.config.csmsTimeoutMs,
      options: ctx.options,
      log: () => log,
      infoEnabled: log.isLevelEnabled('info'),
    });
  }

  /** POSTs the SOAP request to the charger's callback URL; every failure becomes a CALLERROR naming it. */
  private async callCharger(
    target: CallTarget,
    chargerAction: string,
    request: object,
    record: SoapCallRecord,
  ): Promise<object> {
    const { identity } = target;
    const callbackUrl = this.config.chargers[identity]?.callbackUrl ?? target.contact?.callbackUrl;
    if (!callbackUrl) {
      throw new RpcError(
        'GenericError',
        `no callback URL known for charger ${identity}: it never sent a usable wsa:From or ReplyTo; configure chargers.${identity}.callbackUrl`,
      );
    }
    try {
      return await this.client.call(
        { identity, dialect: target.path.source, url: callbackUrl },
        chargerAction,
        request,
        {
          timeoutMs: this.config.chargerTimeoutMs,
          from: this.config.publicUrl,
          record,
        },
      );
    } catch (err) {
      if (!(err instanceof SoapCallError)) throw err;
      // What the charger said stays in the log; the CSMS gets the kind of failure and the HTTP status only.
      if (err.detail)
        this.logger.warn(
          {
            chargeBoxIdentity: identity,
            failure: err.kind,
            httpStatus: err.httpStatus,
            detail: err.detail.slice(0, 200),
          },
          `call to the charger failed: ${err.message}`,
        );
      if (err.kind === 'fault' && err.wire)
        throw new RpcError(rpcErrorCodeOfFault(err.wire.code, err.wire.subcode), err.message.slice(0, 255));
      throw new RpcError('GenericError', err.message.slice(0, 255));
    }
  }

  /** Gateway-owned configuration keys take effect here; the AuthorizationKey value is stored, never logged. */
  private async apply(identity: string, effect: GatewayEffect, log: Logger): Promise<(() => void) | undefined> {
    switch (effect.kind) {
      case 'authorizationKey':
        await this.registry.secrets.setAuthorizationKey(identity, effect.value);
        log.info('AuthorizationKey changed by the CSMS: reconnecting with the new credentials');
        // Reconnect after the CALLRESULT went out on the old connection.
        return () => this.upstream.peek(identity)?.reconnect();
      case 'pingInterval':
        await this.registry.states.update(identity, (state) => ({ ...state, webSocketPingInterval: effect.seconds }));
        this.upstream.peek(identity)?.setPingInterval(effect.seconds);
        return undefined;
    }
  }

  /**
   * The call a charger is owed once it is idle (a Scheduled Reset OnIdle), made when no transaction is open any more;
   * false when nothing is owed any longer.
   */
  private async idleCheck(target: CallTarget): Promise<boolean> {
    const idleCall = target.path.tables.idleCall;
    const state = idleCall && (await this.registry.states.load(target.identity));
    if (!idleCall || !state?.scheduledReset) return false;
    const step = idleCall(state);
    if (!step) return true;
    const log = this.logger.child({
      chargeBoxIdentity: target.identity,
      action: step.chargerAction,
      direction: 'gateway->charger',
    });
    await this.serialiser.run(target.identity, async () => {
      const reply = await this.step(target, { ...step, failFast: false }, { soap: {} } as CsmsCallEvent).catch(
        (err: Error): ChargerReply => ({ ok: false, failure: err.message }),
      );
      await this.registry.states.update(target.identity, step.next(reply));
      log.info({ ok: reply.ok }, `the charger is idle: scheduled ${step.chargerAction} sent`);
    });
    return false;
  }

  private unexpected(err: unknown, log: Logger): RpcError {
    log.error({ err }, 'unexpected error while relaying a CSMS call');
    return new RpcError('InternalError', 'gateway failed to relay the call');
  }
}

/** How often chargers owed a call once idle are looked at. */
const IDLE_CHECK_MS = 2_000;

/**
 * Chargers the gateway owes a call once they are idle (docs/translation-201.md#reset), looked at every few seconds
 * while owed. In memory: after a restart a charger is watched again at the CSMS's next call to it.
 */
class IdleCalls {
  private readonly watched = new Map<string, CallTarget>();
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(private readonly check: (target: CallTarget) => Promise<boolean>) {}

  watch(target: CallTarget): void {
    this.watched.set(target.identity, target);
    this.timer ??= setInterval(() => void this.sweep(), IDLE_CHECK_MS).unref();
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    for (const [identity, target] of [...this.watched]) {
      if (!(await this.check(target).catch(() => false))) this.watched.delete(identity);
    }
    this.sweeping = false;
    if (this.watched.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
