import type { ChargerState } from '../../charger-state.js';
import { defined } from '../../field-rules.js';
import type {
  ChargerReply,
  CsmsCallContext,
  CsmsInitiatedOperation,
  GatewayEffect,
  SoapOutbound,
} from '../../csms-operation.js';
import type { ChangeConfigurationResponse16, GetConfigurationRequest16 } from '../../../ocpp/v16/types.js';
import type {
  GetVariableResult201,
  GetVariablesRequest201,
  GetVariablesResponse201,
  SetVariableResult201,
  SetVariablesRequest201,
  SetVariablesResponse201,
} from '../../../ocpp/v201/csms-initiated.js';
import {
  chargerConfig,
  findVariable,
  needsConfig,
  readVariable,
  type ChargerConfig,
  type VariableDef,
} from './device-model.js';

/** The whole configuration: a charger matches the keys it is asked for exactly, and may spell them its own way. */
export const WHOLE_CONFIGURATION: GetConfigurationRequest16 = { key: [] };

/**
 * The charger's whole configuration first, then what it decides; a charger that cannot be asked (no GetConfiguration
 * in 1.2) decides with none (docs/translation-201.md#device-model).
 */
function withConfiguration<Result>(
  then: (config: ChargerConfig | undefined) => SoapOutbound<never, Result>,
): SoapOutbound<never, Result> {
  return {
    kind: 'step',
    step: {
      chargerAction: 'GetConfiguration',
      request: WHOLE_CONFIGURATION,
      failFast: true,
      next: (reply) => then(reply.ok ? chargerConfig(reply.response) : undefined),
    },
  };
}

type GetItem = GetVariablesRequest201['getVariableData'][number];
type SetItem = SetVariablesRequest201['setVariableData'][number];

/** Only the Actual attribute exists behind a 1.5 key (docs/translation-201.md#device-model). */
const actualOnly = (item: { attributeType?: string }) =>
  item.attributeType === undefined || item.attributeType === 'Actual';

const needsCharger = (items: readonly (GetItem | SetItem)[]) =>
  items.some((item) => {
    const def = findVariable(item.component, item.variable);
    return actualOnly(item) && typeof def !== 'string' && needsConfig(def);
  });

function getResult(
  item: GetItem,
  state: ChargerState,
  config: ChargerConfig | undefined,
  ctx: CsmsCallContext,
): GetVariableResult201 {
  const base = { component: item.component, variable: item.variable, attributeType: item.attributeType };
  if (!actualOnly(item)) return defined({ ...base, attributeStatus: 'NotSupportedAttributeType' as const });
  const def = findVariable(item.component, item.variable);
  if (typeof def === 'string') return defined({ ...base, attributeStatus: def });
  const read = readVariable(def, item.component, state, config, ctx);
  if (read.status !== 'Accepted') return defined({ ...base, attributeStatus: read.status });
  if (read.mutability === 'WriteOnly')
    return defined({ ...base, attributeStatus: 'Rejected' as const, attributeStatusInfo: { reasonCode: 'WriteOnly' } });
  return defined({ ...base, attributeStatus: 'Accepted' as const, attributeValue: read.value });
}

/**
 * docs/translation-201.md#getvariables: answered from the charger's whole GetConfiguration (keys matched in any
 * letter case) and the gateway's own knowledge; the charger is not asked when nothing needs it.
 */
export const getVariables: CsmsInitiatedOperation<GetVariablesRequest201, GetVariablesResponse201> = {
  csmsAction: 'GetVariables',
  toSoap: (r, state, ctx) => {
    const answer = (config: ChargerConfig | undefined): SoapOutbound<never, GetVariablesResponse201> => ({
      kind: 'answer',
      result: { getVariableResult: r.getVariableData.map((item) => getResult(item, state, config, ctx)) },
    });
    return needsCharger(r.getVariableData) ? withConfiguration(answer) : answer(undefined);
  },
  fromSoap: () => {
    throw new Error('GetVariables is answered from its steps');
  },
};

/** AuthorizationKey's rule for BasicAuthPassword: 16 to 40 printable characters (docs/translation.md#gateway-owned-configuration-keys). */
const PASSWORD = /^[\x21-\x7e]{16,40}$/;

type Decided = { result: SetVariableResult201; effect?: GatewayEffect } | { def: VariableDef; chargerKey: string };

/** What the gateway decides alone, or the charger key to change. */
function decideSet(item: SetItem, config: ChargerConfig | undefined): Decided {
  const base = { component: item.component, variable: item.variable, attributeType: item.attributeType };
  const result = (attributeStatus: SetVariableResult201['attributeStatus'], reasonCode?: string) => ({
    result: defined({ ...base, attributeStatus, attributeStatusInfo: reasonCode ? { reasonCode } : undefined }),
  });
  if (!actualOnly(item)) return result('NotSupportedAttributeType');
  const def = findVariable(item.component, item.variable);
  if (typeof def === 'string') return result(def);
  const source = def.source;
  if (source.kind === 'gateway' && source.name === 'BasicAuthPassword') {
    return PASSWORD.test(item.attributeValue)
      ? { ...result('Accepted'), effect: { kind: 'authorizationKey', value: item.attributeValue } }
      : result('Rejected', 'InvalidValue');
  }
  if (source.kind === 'gateway' && source.name === 'WebSocketPingInterval') {
    // OCPP-J: 0 disables pings, a positive number is seconds between them; anything else is refused.
    const seconds = /^\d{1,6}$/.test(item.attributeValue.trim()) ? Number(item.attributeValue.trim()) : -1;
    return seconds < 0
      ? result('Rejected', 'InvalidValue')
      : { ...result('Accepted'), effect: { kind: 'pingInterval', seconds } };
  }
  if (source.kind !== 'key') return result('Rejected', 'ReadOnly');
  const kv = config?.get(source.key.toLowerCase());
  if (!kv) return result('UnknownVariable');
  if (kv.readonly) return result('Rejected', 'ReadOnly');
  return { def, chargerKey: kv.key };
}

/**
 * ConfigurationStatus -> SetVariableStatusEnumType (1.6 RebootRequired is 2.0.1's); a charger that does not know a key
 * it listed refuses it.
 */
function changedResult(item: SetItem, reply: ChargerReply): SetVariableResult201 {
  const base = { component: item.component, variable: item.variable, attributeType: item.attributeType };
  if (!reply.ok)
    return defined({
      ...base,
      attributeStatus: 'Rejected' as const,
      attributeStatusInfo: { reasonCode: 'ChargerUnreachable', additionalInfo: reply.failure.slice(0, 512) },
    });
  const status = (reply.response as ChangeConfigurationResponse16).status;
  return defined({
    ...base,
    attributeStatus: status === 'Accepted' || status === 'RebootRequired' ? status : ('Rejected' as const),
    attributeStatusInfo: status === 'NotSupported' ? { reasonCode: 'NotSupported' } : undefined,
  });
}

/**
 * One ChangeConfiguration per variable backed by a charger key, in the request's order, each in the charger's own
 * spelling of the key; the answer once all are done.
 */
function setAll(
  r: SetVariablesRequest201,
  config: ChargerConfig | undefined,
  ctx: CsmsCallContext,
): SoapOutbound<never, SetVariablesResponse201> {
  const decided = r.setVariableData.map((item) => decideSet(item, config));
  const results: (SetVariableResult201 | undefined)[] = decided.map((d) => ('result' in d ? d.result : undefined));
  const effects = decided.flatMap((d) => ('effect' in d && d.effect ? [d.effect] : []));
  const change = (index: number): SoapOutbound<never, SetVariablesResponse201> => {
    const next = decided.findIndex((d, i) => i >= index && 'chargerKey' in d);
    if (next < 0) return finish(r, results as SetVariableResult201[], effects, ctx);
    const d = decided[next] as { chargerKey: string };
    return {
      kind: 'step',
      step: {
        chargerAction: 'ChangeConfiguration',
        request: { key: d.chargerKey, value: r.setVariableData[next]!.attributeValue },
        next: (reply) => {
          results[next] = changedResult(r.setVariableData[next]!, reply);
          return change(next + 1);
        },
      },
    };
  };
  return change(0);
}

/** The answer, with the gateway's own settings applied and an accepted HeartbeatInterval remembered. */
function finish(
  r: SetVariablesRequest201,
  results: SetVariableResult201[],
  effects: GatewayEffect[],
  ctx: CsmsCallContext,
): SoapOutbound<never, SetVariablesResponse201> {
  const heartbeat = r.setVariableData.findIndex(
    (item, i) =>
      item.component.name === 'OCPPCommCtrlr' &&
      item.variable.name === 'HeartbeatInterval' &&
      results[i]!.attributeStatus === 'Accepted',
  );
  const interval = heartbeat < 0 ? undefined : Number(r.setVariableData[heartbeat]!.attributeValue);
  if (effects.length > 0)
    ctx.notes.push(
      `SetVariables changes the gateway's own ${effects.map((e) => (e.kind === 'authorizationKey' ? 'BasicAuthPassword' : 'WebSocketPingInterval')).join(' and ')}`,
    );
  return {
    kind: 'answer',
    result: { setVariableResult: results },
    effects,
    update:
      interval !== undefined && Number.isInteger(interval)
        ? (state) => ({ state: { ...state, heartbeatInterval: interval } })
        : undefined,
  };
}

/**
 * docs/translation-201.md#setvariables: the charger's GetConfiguration first (to learn which keys it has, how it
 * spells them and which are read-only), then one ChangeConfiguration per variable; the gateway's own variables
 * (BasicAuthPassword, WebSocketPingInterval) never reach the charger.
 */
export const setVariables: CsmsInitiatedOperation<SetVariablesRequest201, SetVariablesResponse201> = {
  csmsAction: 'SetVariables',
  toSoap: (r, _state, ctx) => {
    const set = (config: ChargerConfig | undefined) => setAll(r, config, ctx);
    return needsCharger(r.setVariableData) ? withConfiguration(set) : set(undefined);
  },
  fromSoap: () => {
    throw new Error('SetVariables is answered from its steps');
  },
};
