import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPORT_CHUNK } from '../../../../src/translate/csms201/csms-initiated/reports.js';
import { csmsInitiated201to15 } from './pair-15-201.js';
import { drive, type FakeCharger } from './drive.js';
import { csmsCtx, state, tx201 } from './helpers.js';

const op = (action: string) => csmsInitiated201to15.get(action)!;

/** A 1.5 charger's configuration, spelled as real ones spell it (HeartBeatInterval). */
const CONFIG = {
  configurationKey: [
    { key: 'HeartBeatInterval', readonly: false, value: '300' },
    { key: 'ConnectionTimeOut', readonly: false, value: '60' },
    { key: 'MeterValueSampleInterval', readonly: false, value: '30' },
    { key: 'MeterValuesSampledData', readonly: false, value: 'Energy.Active.Import.Register,Voltage' },
    { key: 'LocalPreAuthorize', readonly: true, value: 'false' },
    { key: 'NumberOfConnectors', readonly: true, value: '2' },
    { key: 'VendorSpecificKey', readonly: false, value: 'x' },
  ],
  unknownKey: [],
};
const charger =
  (changes: Record<string, string> = {}): FakeCharger =>
  (action, request) => {
    if (action === 'GetConfiguration') return CONFIG;
    if (action === 'ChangeConfiguration') return { status: changes[request.key] ?? 'Accepted' };
    throw new Error(`unexpected ${action}`);
  };
const booted = () =>
  state({
    lastBoot: {
      at: 'x',
      csmsStatus: 'Accepted',
      request: {
        chargePointVendor: 'VendorCo',
        chargePointModel: 'M1',
        chargeBoxSerialNumber: 'SER',
        firmwareVersion: '2.0',
        iccid: 'ICC',
      },
    },
    connectors: { '1': { chargerStatus: 'Occupied', csmsStatus: 'Occupied' } },
  });
const cv = (component: string, variable: string, extra: object = {}) => ({
  component: { name: component },
  variable: { name: variable },
  ...extra,
});

describe('device model over 1.5 configuration keys (docs/translation-201.md#device-model)', () => {
  it('GetVariables: mapped keys in any letter case, gateway and boot values, unknown components and variables, write-only refused', () => {
    const d = drive(
      op('GetVariables'),
      {
        getVariableData: [
          cv('OCPPCommCtrlr', 'HeartbeatInterval'),
          cv('TxCtrlr', 'EVConnectionTimeOut'),
          cv('AuthCtrlr', 'LocalPreAuthorize'),
          cv('AuthCtrlr', 'AuthorizeRemoteStart'),
          cv('OCPPCommCtrlr', 'WebSocketPingInterval'),
          cv('SecurityCtrlr', 'BasicAuthPassword'),
          cv('SecurityCtrlr', 'Identity'),
          cv('ChargingStation', 'SerialNumber'),
          { component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'Available' } },
          { component: { name: 'EVSE', evse: { id: 3 } }, variable: { name: 'Available' } },
          cv('SmartChargingCtrlr', 'Enabled'),
          cv('OCPPCommCtrlr', 'NoSuchThing'),
          cv('OCPPCommCtrlr', 'HeartbeatInterval', { attributeType: 'MaxSet' }),
        ],
      },
      booted(),
      csmsCtx(),
      charger(),
    );
    assert.deepEqual(d.sent, [{ action: 'GetConfiguration', request: { key: [] } }], 'the whole configuration, once');
    assert.deepEqual(
      d.result.getVariableResult.map((r: any) => [
        r.component.name,
        r.variable.name,
        r.attributeStatus,
        r.attributeValue,
      ]),
      [
        ['OCPPCommCtrlr', 'HeartbeatInterval', 'Accepted', '300'],
        ['TxCtrlr', 'EVConnectionTimeOut', 'Accepted', '60'],
        ['AuthCtrlr', 'LocalPreAuthorize', 'Accepted', 'false'],
        ['AuthCtrlr', 'AuthorizeRemoteStart', 'UnknownVariable', undefined],
        ['OCPPCommCtrlr', 'WebSocketPingInterval', 'Accepted', '30'],
        ['SecurityCtrlr', 'BasicAuthPassword', 'Rejected', undefined],
        ['SecurityCtrlr', 'Identity', 'Accepted', 'CP-1'],
        ['ChargingStation', 'SerialNumber', 'Accepted', 'SER'],
        ['EVSE', 'Available', 'Accepted', 'true'],
        ['EVSE', 'Available', 'UnknownComponent', undefined],
        ['SmartChargingCtrlr', 'Enabled', 'UnknownComponent', undefined],
        ['OCPPCommCtrlr', 'NoSuchThing', 'UnknownVariable', undefined],
        ['OCPPCommCtrlr', 'HeartbeatInterval', 'NotSupportedAttributeType', undefined],
      ],
    );
  });

  it('GetVariables of gateway-owned variables only never reaches the charger', () => {
    const d = drive(
      op('GetVariables'),
      { getVariableData: [cv('SecurityCtrlr', 'Identity')] },
      state(),
      csmsCtx(),
      charger(),
    );
    assert.deepEqual(d.sent, []);
    assert.equal(d.result.getVariableResult[0].attributeValue, 'CP-1');
  });

  it("SetVariables: one ChangeConfiguration per key in the charger's spelling; read-only, unknown and refused keys; the gateway's own variables", () => {
    const d = drive(
      op('SetVariables'),
      {
        setVariableData: [
          { ...cv('OCPPCommCtrlr', 'HeartbeatInterval'), attributeValue: '120' },
          { ...cv('SampledDataCtrlr', 'TxUpdatedInterval'), attributeValue: '15' },
          { ...cv('AuthCtrlr', 'LocalPreAuthorize'), attributeValue: 'true' },
          { ...cv('AuthCacheCtrlr', 'Enabled'), attributeValue: 'true' },
          { ...cv('SecurityCtrlr', 'BasicAuthPassword'), attributeValue: 'a-good-password-1234' },
          { ...cv('OCPPCommCtrlr', 'WebSocketPingInterval'), attributeValue: '45' },
          { ...cv('SecurityCtrlr', 'Identity'), attributeValue: 'X' },
          { ...cv('Nope', 'Nope'), attributeValue: '1' },
        ],
      },
      state(),
      csmsCtx(),
      charger({ MeterValueSampleInterval: 'Rejected' }),
    );
    assert.deepEqual(d.sent, [
      { action: 'GetConfiguration', request: { key: [] } },
      { action: 'ChangeConfiguration', request: { key: 'HeartBeatInterval', value: '120' } },
      { action: 'ChangeConfiguration', request: { key: 'MeterValueSampleInterval', value: '15' } },
    ]);
    assert.deepEqual(
      d.result.setVariableResult.map((r: any) => [
        r.variable.name,
        r.attributeStatus,
        r.attributeStatusInfo?.reasonCode,
      ]),
      [
        ['HeartbeatInterval', 'Accepted', undefined],
        ['TxUpdatedInterval', 'Rejected', undefined],
        ['LocalPreAuthorize', 'Rejected', 'ReadOnly'],
        ['Enabled', 'UnknownVariable', undefined],
        ['BasicAuthPassword', 'Accepted', undefined],
        ['WebSocketPingInterval', 'Accepted', undefined],
        ['Identity', 'Rejected', 'ReadOnly'],
        ['Nope', 'UnknownComponent', undefined],
      ],
    );
    assert.deepEqual(d.answer!.effects, [
      { kind: 'authorizationKey', value: 'a-good-password-1234' },
      { kind: 'pingInterval', seconds: 45 },
    ]);
    assert.equal(d.state.heartbeatInterval, 120, 'the accepted interval is remembered');
  });

  it('SetVariables: a charger failure on one key is that variable Rejected; a weak password is Rejected', () => {
    const failing: FakeCharger = (action) => {
      if (action === 'GetConfiguration') return CONFIG;
      throw new Error('timeout');
    };
    const d = drive(
      op('SetVariables'),
      {
        setVariableData: [
          { ...cv('TxCtrlr', 'EVConnectionTimeOut'), attributeValue: '90' },
          { ...cv('SecurityCtrlr', 'BasicAuthPassword'), attributeValue: 'short' },
        ],
      },
      state(),
      csmsCtx(),
      failing,
    );
    assert.deepEqual(
      d.result.setVariableResult.map((r: any) => [r.attributeStatus, r.attributeStatusInfo?.reasonCode]),
      [
        ['Rejected', 'ChargerUnreachable'],
        ['Rejected', 'InvalidValue'],
      ],
    );
    assert.deepEqual(d.answer!.effects, []);
  });

  it('GetBaseReport: Accepted at once, then NotifyReport chunks from the configuration and the gateway, seqNo counting, tbc until the last', () => {
    const d = drive(op('GetBaseReport'), { requestId: 5, reportBase: 'FullInventory' }, booted(), csmsCtx(), charger());
    assert.deepEqual(d.result, { status: 'Accepted' });
    assert.ok(d.followUps.length >= 2, `${d.followUps.length} NotifyReports`);
    d.followUps.forEach((f, i) => {
      const p = f.payload as any;
      assert.deepEqual([f.action, p.requestId, p.seqNo, p.tbc], ['NotifyReport', 5, i, i < d.followUps.length - 1]);
      assert.ok(p.reportData.length <= REPORT_CHUNK);
    });
    const data = d.followUps.flatMap((f) => (f.payload as any).reportData);
    const find = (c: string, v: string, evse?: number) =>
      data.find((r: any) => r.component.name === c && r.variable.name === v && r.component.evse?.id === evse);
    assert.deepEqual(find('OCPPCommCtrlr', 'HeartbeatInterval').variableAttribute, [
      { type: 'Actual', value: '300', mutability: 'ReadWrite' },
    ]);
    assert.deepEqual(find('OCPPCommCtrlr', 'HeartbeatInterval').variableCharacteristics, {
      unit: 's',
      dataType: 'integer',
      supportsMonitoring: false,
    });
    assert.equal(find('AuthCtrlr', 'LocalPreAuthorize').variableAttribute[0].mutability, 'ReadOnly');
    assert.deepEqual(find('SecurityCtrlr', 'BasicAuthPassword').variableAttribute, [
      { type: 'Actual', mutability: 'WriteOnly' },
    ]);
    assert.equal(find('ChargingStation', 'VendorName').variableAttribute[0].value, 'VendorCo');
    assert.equal(find('Controller', 'FirmwareVersion').variableAttribute[0].value, '2.0');
    assert.ok(find('EVSE', 'Available', 2), 'EVSE 2 from NumberOfConnectors');
    assert.equal(find('Connector', 'AvailabilityState', 1).variableAttribute[0].value, 'Occupied');
    assert.equal(find('EVSE', 'Available', 3), undefined);
    assert.equal(
      data.find((r: any) => r.variable.name === 'VendorSpecificKey'),
      undefined,
      'keys without a standard variable are not reported',
    );
  });

  it('GetBaseReport: ConfigurationInventory holds writable variables; a charger that does not answer still gets its report, from the gateway', () => {
    const config = drive(
      op('GetBaseReport'),
      { requestId: 6, reportBase: 'ConfigurationInventory' },
      booted(),
      csmsCtx(),
      charger(),
    );
    const data = config.followUps.flatMap((f) => (f.payload as any).reportData);
    assert.ok(data.every((r: any) => r.variableAttribute[0].mutability !== 'ReadOnly'));
    const silent = drive(
      op('GetBaseReport'),
      { requestId: 7, reportBase: 'SummaryInventory' },
      booted(),
      csmsCtx(),
      () => {
        throw new Error('timeout');
      },
    );
    assert.equal(silent.followUps.length, 1);
    assert.deepEqual(
      (silent.followUps[0]!.payload as any).reportData.map(
        (r: any) => `${r.component.name}${r.component.evse ? r.component.evse.id : ''}.${r.variable.name}`,
      ),
      [
        'ChargingStation.Available',
        'EVSE1.Available',
        'EVSE1.AvailabilityState',
        'Connector1.Available',
        'Connector1.AvailabilityState',
      ],
    );
  });

  it('GetReport: the named components and variables; criteria NotSupported; nothing known EmptyResultSet', () => {
    const d = drive(
      op('GetReport'),
      {
        requestId: 8,
        componentVariable: [
          { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
          { component: { name: 'TxCtrlr' } },
        ],
      },
      booted(),
      csmsCtx(),
      charger(),
    );
    assert.deepEqual(d.result, { status: 'Accepted' });
    assert.deepEqual(
      (d.followUps[0]!.payload as any).reportData.map((r: any) => `${r.component.name}.${r.variable.name}`),
      ['OCPPCommCtrlr.HeartbeatInterval', 'TxCtrlr.EVConnectionTimeOut'],
    );
    assert.deepEqual(
      drive(op('GetReport'), { requestId: 8, componentCriteria: ['Problem'] }, booted(), csmsCtx()).result.status,
      'NotSupported',
    );
    const empty = drive(
      op('GetReport'),
      { requestId: 8, componentVariable: [{ component: { name: 'DisplayMessageCtrlr' } }] },
      booted(),
      csmsCtx(),
    );
    assert.deepEqual([empty.result.status, empty.followUps], ['EmptyResultSet', []]);
  });
});

describe('TriggerMessage emulated from state (docs/translation-201.md#triggermessage)', () => {
  const trigger = (requestedMessage: string, s = state(), extra: object = {}, ctx = csmsCtx()) =>
    drive(op('TriggerMessage'), { requestedMessage, ...extra }, s, ctx);

  it('TransactionEvent: Updated, triggerReason Trigger, the next seqNo of each open transaction taken with the answer', () => {
    const s = state({
      transactions: {
        '7': tx201({ nextSeqNo: 4 }),
        '8': tx201({ transactionId: 8, connectorId: 2, csmsTransactionId: 'tx-8' }),
      },
    });
    const d = trigger('TransactionEvent', s, { evse: { id: 1 } });
    assert.deepEqual(d.result, { status: 'Accepted' });
    assert.deepEqual(d.followUps, [
      {
        action: 'TransactionEvent',
        payload: {
          eventType: 'Updated',
          timestamp: '2024-05-01T12:00:00.000Z',
          triggerReason: 'Trigger',
          seqNo: 4,
          transactionInfo: { transactionId: 'tx-uuid-7' },
        },
      },
    ]);
    assert.deepEqual([d.state.transactions['7']!.nextSeqNo, d.state.transactions['8']!.nextSeqNo], [5, 1]);
    assert.equal(trigger('TransactionEvent', s).followUps.length, 2);
    assert.equal(trigger('TransactionEvent', state()).result.status, 'Rejected');
  });

  it('StatusNotification, Heartbeat, BootNotification, firmware and log statuses; MeterValues Rejected; the rest NotImplemented', () => {
    const s = state({
      connectors: {
        '1': {
          chargerStatus: 'Available',
          lastStatusSent: {
            timestamp: '2024-05-01T10:00:00.000Z',
            connectorStatus: 'Available',
            evseId: 1,
            connectorId: 1,
          } as never,
        },
        '2': {
          chargerStatus: 'Occupied',
          lastStatusSent: {
            connectorId: 2,
            status: 'Charging',
            errorCode: 'NoError',
            timestamp: '2024-05-01T09:00:00.000Z',
          } as never,
        },
      },
    });
    assert.deepEqual(
      trigger('StatusNotification', s).followUps.map((f) => f.payload),
      [
        { timestamp: '2024-05-01T10:00:00.000Z', connectorStatus: 'Available', evseId: 1, connectorId: 1 },
        { timestamp: '2024-05-01T09:00:00.000Z', connectorStatus: 'Occupied', evseId: 2, connectorId: 1 },
      ],
    );
    assert.equal(trigger('StatusNotification', s, { evse: { id: 2 } }).followUps.length, 1);
    assert.equal(
      trigger('Heartbeat', state(), {}, csmsCtx({ lastSoapContact: '2024-05-01T11:59:00.000Z' })).result.status,
      'Accepted',
    );
    assert.equal(trigger('Heartbeat').result.status, 'Rejected');
    const pending = state({
      registration: 'Pending',
      lastBoot: { at: 'x', csmsStatus: 'Pending', request: { chargePointVendor: 'V', chargePointModel: 'M' } },
    });
    const boot = trigger('BootNotification', pending);
    assert.deepEqual(boot.followUps[0]!.payload, {
      chargingStation: { model: 'M', vendorName: 'V' },
      reason: 'Triggered',
    });
    assert.equal(trigger('BootNotification', { ...pending, registration: 'Accepted' }).result.status, 'Rejected');
    assert.deepEqual(
      trigger(
        'FirmwareStatusNotification',
        state({ firmware: { requestedAt: 'x', retrieveDate: '2024-05-01T00:00:00Z', requestId: 3 } }),
      ).followUps[0]!.payload,
      { status: 'Downloading', requestId: 3 },
    );
    assert.deepEqual(
      trigger('LogStatusNotification', state({ diagnostics: { requestedAt: 'x', requestId: 4 } })).followUps[0]!
        .payload,
      { status: 'Uploading', requestId: 4 },
    );
    assert.deepEqual(trigger('LogStatusNotification').followUps[0]!.payload, { status: 'Idle' });
    assert.equal(trigger('MeterValues').result.status, 'Rejected');
    assert.equal(trigger('SignChargingStationCertificate').result.status, 'NotImplemented');
  });
});
