import { csmsProtocolOf, type GatewayConfig } from '../config/config.js';
import { FIRST_ROUTE } from '../ocpp/protocols.js';
import { RpcError } from '../ocpp/rpc-error.js';
import { ChargerCallError, type ChargePointClient, type ChargerCallRecord } from '../soap/charge-point-client.js';
import type { ChargerContact, ChargerRegistry } from '../state/registry.js';
import { emptyChargerState } from '../translate/charger-state.js';
import type { CsmsCallContext, CsmsInitiatedOperation, GatewayEffect } from '../translate/csms-operation.js';
import type { CsmsCallOutcome } from '../upstream/connection.js';
import type { UpstreamPool } from '../upstream/pool.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import type { Logger } from '../util/log.js';
import { sendFollowUps } from './follow-ups.js';
import { routeOf, translationOptions, type Route } from './routes.js';
import { rpcErrorCodeOfFault } from './rpc-fault.js';

export interface CsmsCallEvent {
  identity: string;
  action: string;
  messageId: string;
  request: object;
  outcome: { result: object } | { error: { code: string; description: string } };
  soap?: ChargerCallRecord;
  durationMs: number;
}

export interface CsmsCallObserver {
  onCsmsCall?(event: CsmsCallEvent): void;
}

/** One CSMS call on its way to a charger: whom, by which route, with what the charger was last heard saying. */
interface CallTarget {
  identity: string;
  route: Route;
  contact?: ChargerContact;
}

/**
 * CSMS-initiated CALLs for one charger (docs/architecture.md#the-flow, docs/translation.md#csms-to-charger): validate
 * against the CSMS protocol's schema, translate with the tables of the charger's route, POST the SOAP request to the
 * charger's callback URL, translate the answer back. Calls to one charger are serialised (a SOAP charger may not
 * handle concurrent requests) and bounded below the CSMS's own timeout; every failure reaches the CSMS as a
 * CALLERROR that names the reason.
 */
export class CsmsCallHandler {
  private readonly serialiser = new KeyedSerialiser();

  constructor(
    private readonly config: GatewayConfig,
    private readonly registry: ChargerRegistry,
    private readonly client: ChargePointClient,
    private readonly upstream: UpstreamPool,
    private readonly logger: Logger,
    private readonly observer: CsmsCallObserver = {},
  ) {}

  readonly handle = async (identity: string, action: string, payload: Record<string, unknown>, messageId: string): Promise<CsmsCallOutcome> => {
    const log = this.logger.child({ chargeBoxIdentity: identity, messageId, action, direction: 'csms->charger' });
    const started = Date.now();
    const event: CsmsCallEvent = { identity, action, messageId, request: payload, outcome: { result: {} }, durationMs: 0 };
    const finish = (outcome: CsmsCallEvent['outcome']) => {
      event.outcome = outcome;
      event.durationMs = Date.now() - started;
      this.observer.onCsmsCall?.(event);
    };
    const target = await this.target(identity);
    // Refusals need no charger and no queueing.
    const refusal = this.refusal(target.route, action, payload);
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

  /** The charger's route: the dialect it was last heard speaking, the CSMS protocol of its connection. */
  private async target(identity: string): Promise<CallTarget> {
    const contact = await this.registry.contact(identity);
    const route = routeOf(contact?.dialect ?? FIRST_ROUTE.source, csmsProtocolOf(this.config, identity)) ?? routeOf(FIRST_ROUTE.source, FIRST_ROUTE.target)!;
    return { identity, route, contact };
  }

  private refusal(route: Route, action: string, payload: object): RpcError | undefined {
    const { tables, protocol } = route;
    if (tables.notSupported.has(action)) return new RpcError('NotSupported', `${action} is not supported by the ${route.source} chargers behind this gateway`);
    if (!tables.csmsInitiated.has(action)) return new RpcError('NotImplemented', `${action} is not a known ${route.target} action`);
    const valid = protocol.check(action, 'req', payload);
    if (!valid.ok) return new RpcError(valid.code, valid.message.slice(0, 255));
    return undefined;
  }

  private async context(target: CallTarget): Promise<{ state: ReturnType<typeof emptyChargerState>; ctx: CsmsCallContext }> {
    const state = (await this.registry.load(target.identity)) ?? emptyChargerState(target.identity);
    const ctx: CsmsCallContext = {
      now: new Date().toISOString(),
      options: translationOptions(this.config, target.identity),
      gatewayKeys: { webSocketPingInterval: state.webSocketPingInterval ?? this.config.wsPingIntervalSec, supportedFeatureProfiles: target.route.tables.supportedFeatureProfiles },
      lastSoapContact: target.contact?.lastSoapContact,
      notes: [],
    };
    return { state, ctx };
  }

  private async process(target: CallTarget, action: string, payload: Record<string, unknown>, log: Logger, event: CsmsCallEvent): Promise<CsmsCallOutcome> {
    const { state, ctx } = await this.context(target);
    const op = target.route.tables.csmsInitiated.get(action)!;
    const outbound = op.toSoap(payload, state, ctx);
    if (outbound.kind === 'answer') {
      ctx.notes.forEach((note) => log.info(note));
      const afterEffect = outbound.effect ? await this.apply(target.identity, outbound.effect, log) : undefined;
      const followUps = outbound.followUps ?? [];
      if (followUps.length === 0) return { payload: outbound.result, afterReply: afterEffect };
      const deps = { upstream: this.upstream, registry: this.registry, tables: target.route.tables, timeoutMs: this.config.csmsTimeoutMs, options: ctx.options, logger: log };
      return { payload: outbound.result, afterReply: () => void sendFollowUps(target.identity, followUps, deps) };
    }
    event.soap = {};
    const soapResponse = await this.callCharger(target, op, outbound.request, event.soap);
    const result = op.fromSoap(soapResponse, payload, ctx);
    const valid = target.route.protocol.check(action, 'conf', result);
    if (!valid.ok) {
      log.error({ result, schemaError: valid.message }, `charger answer cannot be expressed as a valid ${target.route.target} result`);
      throw new RpcError('InternalError', `charger answer cannot be expressed as valid ${target.route.target}: ${valid.message}`.slice(0, 255));
    }
    ctx.notes.forEach((note) => log.info(note));
    const reduce = op.reduce;
    if (reduce) await this.registry.update(target.identity, (current) => reduce(current, { request: payload, soapRequest: outbound.request, soapResponse, result }, ctx));
    return { payload: result };
  }

  /** POSTs the SOAP request to the charger's callback URL; every failure becomes a CALLERROR naming it. */
  private async callCharger(target: CallTarget, op: CsmsInitiatedOperation, request: object, record: ChargerCallRecord): Promise<object> {
    const { identity } = target;
    const callbackUrl = this.config.chargers[identity]?.callbackUrl ?? target.contact?.callbackUrl;
    if (!callbackUrl) {
      throw new RpcError(
        'GenericError',
        `no callback URL known for charger ${identity}: it never sent a usable wsa:From or ReplyTo; configure chargers.${identity}.callbackUrl`,
      );
    }
    try {
      return await this.client.call({ identity, dialect: target.route.source, callbackUrl }, op.chargerAction!, request, this.config.chargerTimeoutMs, record);
    } catch (err) {
      if (!(err instanceof ChargerCallError)) throw err;
      // What the charger said stays in the log; the CSMS gets the kind of failure and the HTTP status only.
      if (err.detail) this.logger.warn({ chargeBoxIdentity: identity, failure: err.kind, httpStatus: err.httpStatus, detail: err.detail.slice(0, 200) }, `call to the charger failed: ${err.message}`);
      if (err.kind === 'fault' && err.fault) throw new RpcError(rpcErrorCodeOfFault(err.fault.code, err.fault.subcode), err.message.slice(0, 255));
      throw new RpcError('GenericError', err.message.slice(0, 255));
    }
  }

  /** Gateway-owned configuration keys take effect here; the AuthorizationKey value is stored, never logged. */
  private async apply(identity: string, effect: GatewayEffect, log: Logger): Promise<(() => void) | undefined> {
    switch (effect.kind) {
      case 'authorizationKey':
        await this.registry.setAuthorizationKey(identity, effect.value);
        log.info('AuthorizationKey changed by the CSMS: reconnecting with the new credentials');
        // Reconnect after the CALLRESULT went out on the old connection.
        return () => this.upstream.peek(identity)?.reconnect();
      case 'pingInterval':
        await this.registry.update(identity, (state) => ({ ...state, webSocketPingInterval: effect.seconds }));
        this.upstream.peek(identity)?.setPingInterval(effect.seconds);
        return undefined;
    }
  }

  private unexpected(err: unknown, log: Logger): RpcError {
    log.error({ err }, 'unexpected error while relaying a CSMS call');
    return new RpcError('InternalError', 'gateway failed to relay the call');
  }
}
