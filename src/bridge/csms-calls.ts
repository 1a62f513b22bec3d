import type { GatewayConfig } from '../config/config.js';
import type { Logger } from '../log.js';
import { ChargerCallError, type ChargePointClient, type ChargerCallRecord } from '../soap/charge-point-client.js';
import { emptyChargerState } from '../state/charger-state.js';
import type { ChargerRegistry } from '../state/registry.js';
import type { TranslationOptions } from '../translate/common.js';
import type { CsmsCallContext, GatewayEffect } from '../translate/csms-operation.js';
import { csmsInitiated16to15, NOT_SUPPORTED_ACTIONS, SUPPORTED_FEATURE_PROFILES } from '../translate/csms-registry.js';
import type { TriggerMessageRequest16 } from '../translate/ocpp16.js';
import { triggerMessage } from '../translate/v16-v15/trigger-message.js';
import type { CsmsCallOutcome } from '../upstream/connection.js';
import { RpcError } from '../upstream/frames.js';
import type { UpstreamPool } from '../upstream/pool.js';
import { check16 } from '../upstream/schemas.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import { sendFollowUps } from './follow-ups.js';
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

/**
 * CSMS-initiated CALLs for one charger (map sections C and D): validate against the 1.6 schema, translate to a
 * 1.5 ChargePointService call, POST it to the charger's callback URL, translate the answer back. Calls to one
 * charger are serialised (a 1.5 charger may not handle concurrent requests) and bounded below the CSMS's own
 * timeout; every failure reaches the CSMS as a CALLERROR that names the reason.
 */
export class CsmsCallHandler {
  private readonly serialiser = new KeyedSerialiser();

  constructor(
    private readonly config: GatewayConfig,
    private readonly registry: ChargerRegistry,
    private readonly client: ChargePointClient,
    private readonly upstream: UpstreamPool,
    private readonly logger: Logger,
    private readonly translationOptions: (identity: string) => TranslationOptions,
    private readonly observer: CsmsCallObserver = {},
  ) {}

  readonly handle = (identity: string, action: string, payload: Record<string, unknown>, messageId: string): Promise<CsmsCallOutcome> => {
    const log = this.logger.child({ chargeBoxIdentity: identity, messageId, action, direction: 'csms->charger' });
    const started = Date.now();
    const event: CsmsCallEvent = { identity, action, messageId, request: payload, outcome: { result: {} }, durationMs: 0 };
    const finish = (outcome: CsmsCallEvent['outcome']) => {
      event.outcome = outcome;
      event.durationMs = Date.now() - started;
      this.observer.onCsmsCall?.(event);
    };

    // Refusals need no charger and no queueing.
    const refusal = this.refusal(action, payload);
    if (refusal) {
      log.info(`refused with CALLERROR ${refusal.code}: ${refusal.description}`);
      finish({ error: { code: refusal.code, description: refusal.description } });
      return Promise.reject(refusal);
    }
    return new Promise<CsmsCallOutcome>((resolve, reject) => {
      void this.serialiser.run(identity, async () => {
        try {
          const outcome = await this.process(identity, action, payload, log, event);
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

  private refusal(action: string, payload: object): RpcError | undefined {
    if (NOT_SUPPORTED_ACTIONS.has(action)) return new RpcError('NotSupported', `${action} is not supported by OCPP 1.5 chargers behind this gateway`);
    if (action !== 'TriggerMessage' && !csmsInitiated16to15.has(action)) return new RpcError('NotImplemented', `${action} is not a known OCPP 1.6 action`);
    const valid = check16(action, 'req', payload);
    if (!valid.ok) return new RpcError(valid.code === 'FormatViolation' ? 'FormationViolation' : valid.code, valid.message.slice(0, 255));
    return undefined;
  }

  private context(identity: string, pingInterval: number | undefined): CsmsCallContext {
    return {
      now: new Date().toISOString(),
      options: this.translationOptions(identity),
      gatewayKeys: { webSocketPingInterval: pingInterval ?? this.config.wsPingIntervalSec, supportedFeatureProfiles: SUPPORTED_FEATURE_PROFILES },
      notes: [],
    };
  }

  private async process(identity: string, action: string, payload: Record<string, unknown>, log: Logger, event: CsmsCallEvent): Promise<CsmsCallOutcome> {
    const state = (await this.registry.load(identity)) ?? emptyChargerState(identity);
    const ctx = this.context(identity, state.webSocketPingInterval);
    const logNotes = () => ctx.notes.forEach((note) => log.info(note));

    if (action === 'TriggerMessage') {
      const contact = await this.registry.contact(identity);
      const { result, followUps } = triggerMessage(payload as unknown as TriggerMessageRequest16, state, contact?.lastSoapContact, ctx);
      logNotes();
      const deps = { upstream: this.upstream, registry: this.registry, timeoutMs: this.config.csmsTimeoutMs, options: ctx.options, logger: log };
      return { payload: result, afterReply: () => void sendFollowUps(identity, followUps, deps) };
    }

    const op = csmsInitiated16to15.get(action)!;
    const outbound = op.toSoap(payload, state, ctx);
    if (outbound.kind === 'answer') {
      logNotes();
      const afterReply = outbound.effect ? await this.apply(identity, outbound.effect, log) : undefined;
      return { payload: outbound.result, afterReply };
    }

    const callbackUrl = this.config.chargers[identity]?.callbackUrl ?? (await this.registry.contact(identity))?.callbackUrl;
    if (!callbackUrl) {
      throw new RpcError(
        'GenericError',
        `no callback URL known for charger ${identity}: it never sent a usable wsa:From or ReplyTo; configure chargers.${identity}.callbackUrl`,
      );
    }
    event.soap = {};
    let soapResponse: object;
    try {
      soapResponse = await this.client.call(identity, callbackUrl, op.action, outbound.request, this.config.chargerTimeoutMs, event.soap);
    } catch (err) {
      if (!(err instanceof ChargerCallError)) throw err;
      if (err.kind === 'fault' && err.fault) throw new RpcError(rpcErrorCodeOfFault(err.fault.code, err.fault.subcode), err.message.slice(0, 255));
      throw new RpcError('GenericError', err.message.slice(0, 255));
    }
    const result = op.fromSoap(soapResponse, payload, ctx);
    const valid = check16(action, 'conf', result);
    if (!valid.ok) {
      log.error({ result, schemaError: valid.message }, 'charger answer cannot be expressed as a valid OCPP 1.6 result');
      throw new RpcError('InternalError', `charger answer cannot be expressed as valid OCPP 1.6: ${valid.message}`.slice(0, 255));
    }
    logNotes();
    const reduce = op.reduce;
    if (reduce) await this.registry.update(identity, (current) => reduce(current, { request: payload, soapRequest: outbound.request, soapResponse, result }, ctx));
    return { payload: result };
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
