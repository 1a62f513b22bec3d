import type { ChargerState } from '../../charger-state.js';
import { clamp, defined } from '../../field-rules.js';
import type { CsmsCallContext } from '../../csms-operation.js';
import type { BootNotificationRequest16, GetConfigurationResponse16 } from '../../../ocpp/v16/types.js';
import type { ComponentRef201, VariableRef201 } from '../../../ocpp/v201/types.js';
import type { DataType201, Mutability201, ReportData201 } from '../../../ocpp/v201/csms-initiated.js';
import { knownEvses } from '../charger-initiated/status-notification.js';

/**
 * The device model a 1.5 charger shows a 2.0.1 CSMS (docs/translation-201.md#device-model): standard components and
 * variables, each backed by a 1.5 configuration key, by the gateway itself, by the charger's BootNotification, or by
 * what the gateway knows of its EVSEs. Anything else is UnknownComponent or UnknownVariable.
 */
export type VariableSource =
  | { kind: 'key'; key: string }
  | { kind: 'gateway'; name: 'BasicAuthPassword' | 'WebSocketPingInterval' | 'Identity' }
  | { kind: 'boot'; field: keyof BootNotificationRequest16 }
  | { kind: 'evse'; name: 'Available' | 'AvailabilityState' }
  | { kind: 'constant'; value: string };

export interface VariableDef {
  component: string;
  variable: string;
  instance?: string;
  /** The component is one per EVSE (EVSE), or per EVSE's connector 1 (Connector). */
  per?: 'evse' | 'connector';
  dataType: DataType201;
  unit?: string;
  source: VariableSource;
  /** Fixed for what is not a charger key; a key's is the charger's readonly flag. */
  mutability?: Mutability201;
}

const key = (
  component: string,
  variable: string,
  k: string,
  dataType: DataType201,
  extra: Partial<VariableDef> = {},
): VariableDef => ({ component, variable, dataType, source: { kind: 'key', key: k }, ...extra });
const readOnly = (
  component: string,
  variable: string,
  source: VariableSource,
  dataType: DataType201 = 'string',
  extra: Partial<VariableDef> = {},
): VariableDef => ({ component, variable, dataType, source, mutability: 'ReadOnly', ...extra });

/** The table. 1.5 keys are matched in any letter case (HeartBeatInterval is HeartbeatInterval). */
export const VARIABLES: readonly VariableDef[] = [
  key('OCPPCommCtrlr', 'HeartbeatInterval', 'HeartbeatInterval', 'integer', { unit: 's' }),
  key('OCPPCommCtrlr', 'ResetRetries', 'ResetRetries', 'integer'),
  key('OCPPCommCtrlr', 'MessageAttempts', 'TransactionMessageAttempts', 'integer', { instance: 'TransactionEvent' }),
  key('OCPPCommCtrlr', 'MessageAttemptInterval', 'TransactionMessageRetryInterval', 'integer', {
    instance: 'TransactionEvent',
    unit: 's',
  }),
  key('OCPPCommCtrlr', 'UnlockOnEVSideDisconnect', 'UnlockConnectorOnEVSideDisconnect', 'boolean'),
  {
    component: 'OCPPCommCtrlr',
    variable: 'WebSocketPingInterval',
    dataType: 'integer',
    unit: 's',
    source: { kind: 'gateway', name: 'WebSocketPingInterval' },
    mutability: 'ReadWrite',
  },
  key('TxCtrlr', 'EVConnectionTimeOut', 'ConnectionTimeOut', 'integer', { unit: 's' }),
  key('TxCtrlr', 'StopTxOnEVSideDisconnect', 'StopTransactionOnEVSideDisconnect', 'boolean'),
  key('TxCtrlr', 'StopTxOnInvalidId', 'StopTransactionOnInvalidId', 'boolean'),
  key('AuthCtrlr', 'LocalPreAuthorize', 'LocalPreAuthorize', 'boolean'),
  key('AuthCtrlr', 'LocalAuthorizeOffline', 'LocalAuthorizeOffline', 'boolean'),
  key('AuthCtrlr', 'AuthorizeRemoteStart', 'AuthorizeRemoteTxRequests', 'boolean'),
  key('AuthCtrlr', 'OfflineTxForUnknownIdEnabled', 'AllowOfflineTxForUnknownId', 'boolean'),
  key('AuthCacheCtrlr', 'Enabled', 'AuthorizationCacheEnabled', 'boolean'),
  key('LocalAuthListCtrlr', 'Enabled', 'LocalAuthListEnabled', 'boolean'),
  key('LocalAuthListCtrlr', 'Entries', 'LocalAuthListMaxLength', 'integer'),
  key('SampledDataCtrlr', 'TxUpdatedInterval', 'MeterValueSampleInterval', 'integer', { unit: 's' }),
  key('SampledDataCtrlr', 'TxUpdatedMeasurands', 'MeterValuesSampledData', 'MemberList'),
  key('SampledDataCtrlr', 'TxEndedMeasurands', 'StopTxnSampledData', 'MemberList'),
  key('AlignedDataCtrlr', 'Interval', 'ClockAlignedDataInterval', 'integer', { unit: 's' }),
  key('AlignedDataCtrlr', 'Measurands', 'MeterValuesAlignedData', 'MemberList'),
  key('AlignedDataCtrlr', 'TxEndedMeasurands', 'StopTxnAlignedData', 'MemberList'),
  {
    component: 'SecurityCtrlr',
    variable: 'BasicAuthPassword',
    dataType: 'string',
    source: { kind: 'gateway', name: 'BasicAuthPassword' },
    mutability: 'WriteOnly',
  },
  readOnly('SecurityCtrlr', 'Identity', { kind: 'gateway', name: 'Identity' }),
  readOnly('ChargingStation', 'Available', { kind: 'constant', value: 'true' }, 'boolean'),
  readOnly('ChargingStation', 'VendorName', { kind: 'boot', field: 'chargePointVendor' }),
  readOnly('ChargingStation', 'Model', { kind: 'boot', field: 'chargePointModel' }),
  readOnly('ChargingStation', 'SerialNumber', { kind: 'boot', field: 'chargePointSerialNumber' }),
  readOnly('Controller', 'FirmwareVersion', { kind: 'boot', field: 'firmwareVersion' }),
  readOnly('DataLink', 'ICCID', { kind: 'boot', field: 'iccid' }),
  readOnly('DataLink', 'IMSI', { kind: 'boot', field: 'imsi' }),
  readOnly('EVSE', 'Available', { kind: 'evse', name: 'Available' }, 'boolean', { per: 'evse' }),
  readOnly('EVSE', 'AvailabilityState', { kind: 'evse', name: 'AvailabilityState' }, 'OptionList', { per: 'evse' }),
  readOnly('Connector', 'Available', { kind: 'evse', name: 'Available' }, 'boolean', { per: 'connector' }),
  readOnly('Connector', 'AvailabilityState', { kind: 'evse', name: 'AvailabilityState' }, 'OptionList', {
    per: 'connector',
  }),
];

const COMPONENTS: ReadonlySet<string> = new Set(VARIABLES.map((v) => v.component));

/** The definition a CSMS names, or why there is none. Instances must match; a per-EVSE component needs its EVSE. */
export function findVariable(
  component: ComponentRef201,
  variable: VariableRef201,
): VariableDef | 'UnknownComponent' | 'UnknownVariable' {
  if (!COMPONENTS.has(component.name) || component.instance !== undefined) return 'UnknownComponent';
  const def = VARIABLES.find(
    (v) => v.component === component.name && v.variable === variable.name && v.instance === variable.instance,
  );
  if (!def) return 'UnknownVariable';
  if (def.per === undefined && component.evse !== undefined) return 'UnknownComponent';
  if (def.per !== undefined && component.evse === undefined) return 'UnknownComponent';
  if (def.per === 'connector' && component.evse?.connectorId !== 1) return 'UnknownComponent';
  if (def.per === 'evse' && component.evse?.connectorId !== undefined) return 'UnknownComponent';
  return def;
}

/** A charger's configuration as GetConfiguration answered it, by key in lower case. */
export type ChargerConfig = ReadonlyMap<string, { key: string; readonly: boolean; value?: string }>;

export function chargerConfig(response: GetConfigurationResponse16): ChargerConfig {
  return new Map((response.configurationKey ?? []).map((kv) => [kv.key.toLowerCase(), kv]));
}

/** Whether answering for this definition needs the charger's configuration (its keys, or its number of EVSEs). */
export const needsConfig = (def: VariableDef): boolean => def.source.kind === 'key' || def.source.kind === 'evse';

/** EVSEs 1..N: N is the charger's NumberOfConnectors, else the highest connector it reported (docs/translation-201.md#evses-and-connectors). */
export function evseCount(state: ChargerState, config: ChargerConfig | undefined): number {
  const configured = Number(config?.get('numberofconnectors')?.value?.trim());
  if (Number.isInteger(configured) && configured > 0) return configured;
  return Math.max(0, ...knownEvses(state));
}

export interface ReadValue {
  /** Unknown: the charger has no such key, or the EVSE does not exist. */
  status: 'Accepted' | 'UnknownComponent' | 'UnknownVariable';
  value?: string;
  mutability: Mutability201;
}

/** The current value of one variable of one component instance. */
export function readVariable(
  def: VariableDef,
  component: ComponentRef201,
  state: ChargerState,
  config: ChargerConfig | undefined,
  ctx: CsmsCallContext,
): ReadValue {
  const fixed = def.mutability ?? 'ReadOnly';
  const source = def.source;
  switch (source.kind) {
    case 'key': {
      const kv = config?.get(source.key.toLowerCase());
      if (!kv) return { status: 'UnknownVariable', mutability: 'ReadWrite' };
      return {
        status: 'Accepted',
        value: clamp(kv.value, 2500, `value of ${kv.key}`, ctx),
        mutability: kv.readonly ? 'ReadOnly' : 'ReadWrite',
      };
    }
    case 'gateway':
      if (source.name === 'BasicAuthPassword') return { status: 'Accepted', mutability: fixed };
      return {
        status: 'Accepted',
        value:
          source.name === 'Identity'
            ? (ctx.upstreamIdentity ?? state.identity)
            : String(ctx.gatewayKeys.webSocketPingInterval),
        mutability: fixed,
      };
    case 'boot': {
      const value =
        source.field === 'chargePointSerialNumber'
          ? (state.lastBoot?.request.chargePointSerialNumber ?? state.lastBoot?.request.chargeBoxSerialNumber)
          : state.lastBoot?.request[source.field];
      return value === undefined
        ? { status: 'UnknownVariable', mutability: fixed }
        : { status: 'Accepted', value, mutability: fixed };
    }
    case 'constant':
      return { status: 'Accepted', value: source.value, mutability: fixed };
    case 'evse': {
      const id = component.evse!.id;
      if (id < 1 || id > evseCount(state, config)) return { status: 'UnknownComponent', mutability: fixed };
      return {
        status: 'Accepted',
        value: source.name === 'Available' ? 'true' : state.connectors[String(id)]?.csmsStatus,
        mutability: fixed,
      };
    }
  }
}

/** The component instances of a definition the charger has: one, or one per EVSE. */
function instancesOf(def: VariableDef, count: number): ComponentRef201[] {
  if (def.per === undefined) return [{ name: def.component }];
  return Array.from({ length: count }, (_, i) => ({
    name: def.component,
    evse: def.per === 'connector' ? { id: i + 1, connectorId: 1 } : { id: i + 1 },
  }));
}

/** Every variable the charger shows, with its value and mutability, in table order (GetBaseReport, GetReport). */
export function inventory(
  state: ChargerState,
  config: ChargerConfig | undefined,
  ctx: CsmsCallContext,
): ReportData201[] {
  const count = evseCount(state, config);
  const out: ReportData201[] = [];
  for (const def of VARIABLES) {
    for (const component of instancesOf(def, count)) {
      const read = readVariable(def, component, state, config, ctx);
      if (read.status !== 'Accepted') continue;
      out.push({
        component,
        variable: defined({ name: def.variable, instance: def.instance }),
        variableAttribute: [defined({ type: 'Actual' as const, value: read.value, mutability: read.mutability })],
        variableCharacteristics: defined({ unit: def.unit, dataType: def.dataType, supportsMonitoring: false }),
      });
    }
  }
  return out;
}
