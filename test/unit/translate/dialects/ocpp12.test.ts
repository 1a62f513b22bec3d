import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsmsProtocol } from '../../../../src/ocpp/protocols.js';
import type { OpenTransaction } from '../../../../src/translate/charger-state.js';
import { sourcePolicies } from '../../../../src/translate/tables.js';
import { csmsCtx, ctx, state } from '../v201/helpers.js';
import { chargerExchange, csmsExchange, tablesOf } from './exchange.js';

/** OCPP 1.2 SOAP to OCPP 1.6J and 2.0.1: what 1.2 lacks, filled (docs/translation.md#ocpp-12-chargers). */
const charger = (to: CsmsProtocol, action: string, request: object, s = state(), result: object = {}, c = ctx()) =>
  chargerExchange('ocpp1.2-soap', to, action, request, s, c, result);
const command = (
  to: CsmsProtocol,
  action: string,
  request: object,
  reply?: (a: string, r: any) => object,
  s = state(),
) => csmsExchange('ocpp1.2-soap', to, action, request, s, csmsCtx(), reply);
const tx = (extra: Partial<OpenTransaction> = {}): OpenTransaction => ({
  transactionId: 5,
  connectorId: 1,
  idTag: 'TAG',
  startedAt: '2024-05-01T11:00:00.000Z',
  idTagStatus: 'Accepted',
  csmsTransactionId: 'tx-5',
  ...extra,
});
const open = (extra: Partial<OpenTransaction> = {}) => state({ transactions: { '5': tx(extra) } });

describe('OCPP 1.2 SOAP charger -> OCPP 1.6J CSMS', () => {
  it('StatusNotification: the arrival time added; Occupied inferred; Mode3Error as in 1.5', () => {
    const c = ctx();
    const available = charger(
      'ocpp1.6',
      'StatusNotification',
      { connectorId: 1, status: 'Available', errorCode: 'NoError' },
      state(),
      {},
      c,
    );
    assert.deepEqual(available.call, {
      connectorId: 1,
      errorCode: 'NoError',
      status: 'Available',
      timestamp: c.receivedAt,
    });
    const charging = charger(
      'ocpp1.6',
      'StatusNotification',
      { connectorId: 1, status: 'Occupied', errorCode: 'NoError' },
      open(),
    );
    assert.equal(charging.call!.status, 'Charging');
    assert.equal(charging.state.connectors['1']!.chargerStatus, 'Occupied');
    const mode3 = charger('ocpp1.6', 'StatusNotification', {
      connectorId: 1,
      status: 'Faulted',
      errorCode: 'Mode3Error',
    });
    assert.deepEqual([mode3.call!.errorCode, mode3.call!.vendorErrorCode], ['OtherError', 'Mode3Error']);
  });

  it('MeterValues: each integer reading is an energy register without attributes; the open transaction is named', () => {
    const c = ctx();
    const { call } = charger(
      'ocpp1.6',
      'MeterValues',
      {
        connectorId: 1,
        values: [
          { timestamp: '2024-05-01T12:00:00', value: 1200 },
          { timestamp: '2024-05-01T12:15:00', value: 1450 },
        ],
      },
      open(),
      {},
      c,
    );
    assert.deepEqual(call, {
      connectorId: 1,
      transactionId: 5,
      meterValue: [
        { timestamp: '2024-05-01T12:00:00.000Z', sampledValue: [{ value: '1200' }] },
        { timestamp: '2024-05-01T12:15:00.000Z', sampledValue: [{ value: '1450' }] },
      ],
    });
    assert.match(c.notes[0]!, /inferred/);
  });

  it('StartTransaction has no reservationId; StopTransaction no transactionData, its reason inferred', () => {
    const start = charger(
      'ocpp1.6',
      'StartTransaction',
      { connectorId: 1, idTag: 'TAG', timestamp: '2024-05-01T12:00:00Z', meterStart: 10 },
      state(),
      {
        transactionId: 5,
        idTagInfo: { status: 'Accepted' },
      },
    );
    assert.deepEqual(start.call, {
      connectorId: 1,
      idTag: 'TAG',
      timestamp: '2024-05-01T12:00:00.000Z',
      meterStart: 10,
    });
    const stop = charger(
      'ocpp1.6',
      'StopTransaction',
      { transactionId: 5, timestamp: '2024-05-01T13:00:00Z', meterStop: 90 },
      open({ stopCause: 'UnlockCommand' }),
    );
    assert.deepEqual(stop.call, {
      transactionId: 5,
      timestamp: '2024-05-01T13:00:00.000Z',
      meterStop: 90,
      reason: 'UnlockCommand',
    });
  });

  it('an idTag over 20 characters is cut to 20 and noted (1.2 has no limit)', () => {
    const c = ctx();
    const { call } = charger(
      'ocpp1.6',
      'Authorize',
      { idTag: 'A'.repeat(24) },
      state(),
      { idTagInfo: { status: 'Accepted' } },
      c,
    );
    assert.deepEqual([call, c.notes], [{ idTag: 'A'.repeat(20) }, ['idTag truncated from 24 to 20 characters']]);
  });

  it('BootNotification: Pending is Rejected with heartbeatInterval, never 0; the answer carries both optional fields', () => {
    const boot = { chargePointVendor: 'V', chargePointModel: 'M' };
    const pending = charger('ocpp1.6', 'BootNotification', boot, state(), {
      status: 'Pending',
      currentTime: '2024-05-01T12:00:00Z',
      interval: 0,
    });
    assert.deepEqual(pending.response, {
      status: 'Rejected',
      currentTime: '2024-05-01T12:00:00.000Z',
      heartbeatInterval: 60,
    });
    assert.equal(pending.state.registration, 'Pending');
    const answer = sourcePolicies('ocpp1.2-soap').get('BootNotification')!.unknownIdentityAnswer!(
      '2024-05-01T12:00:00Z',
      90,
    );
    assert.deepEqual(answer, { status: 'Rejected', currentTime: '2024-05-01T12:00:00Z', heartbeatInterval: 90 });
  });

  it('nine charger operations, no DataTransfer, each with its delivery policy', () => {
    const actions = [...tablesOf('ocpp1.2-soap', 'ocpp1.6').chargerInitiated.keys()].sort();
    assert.equal(actions.length, 9);
    assert.ok(!actions.includes('DataTransfer'));
    assert.deepEqual([...sourcePolicies('ocpp1.2-soap').keys()].sort(), actions);
  });
});

describe('OCPP 1.2 SOAP charger -> OCPP 2.0.1 CSMS', () => {
  it('StatusNotification: Occupied and Mode3Error as the charger said them, with the arrival time', () => {
    const c = ctx();
    const out = charger(
      'ocpp2.0.1',
      'StatusNotification',
      { connectorId: 2, status: 'Occupied', errorCode: 'Mode3Error' },
      state(),
      {},
      c,
    );
    assert.deepEqual(out.call, { timestamp: c.receivedAt, connectorStatus: 'Occupied', evseId: 2, connectorId: 1 });
    assert.equal((out.followUps[0]!.payload as any).eventData[0].techCode, 'Mode3Error');
  });

  it('MeterValues of an open transaction: a TransactionEvent with the integer reading as a number', () => {
    const { call, callAction } = charger(
      'ocpp2.0.1',
      'MeterValues',
      { connectorId: 1, values: [{ timestamp: '2024-05-01T12:00:00Z', value: 1200 }] },
      open(),
    );
    assert.equal(callAction, 'TransactionEvent');
    assert.deepEqual(call!.meterValue, [{ timestamp: '2024-05-01T12:00:00.000Z', sampledValue: [{ value: 1200 }] }]);
  });

  it('StopTransaction: the inferred reason in 2.0.1 words', () => {
    const { call } = charger(
      'ocpp2.0.1',
      'StopTransaction',
      { transactionId: 5, idTag: 'TAG', timestamp: '2024-05-01T13:00:00Z', meterStop: 90 },
      open({ stopCause: 'Remote' }),
    );
    assert.deepEqual([call!.triggerReason, call!.transactionInfo.stoppedReason], ['RemoteStop', 'Remote']);
  });
});

describe('CSMS -> OCPP 1.2 SOAP charger', () => {
  const lacking = [
    'DataTransfer',
    'ReserveNow',
    'CancelReservation',
    'GetConfiguration',
    'GetLocalListVersion',
    'SendLocalList',
  ];

  it("what 1.2 lacks is NotSupported, never sent; TriggerMessage is the gateway's own", () => {
    const t16 = tablesOf('ocpp1.2-soap', 'ocpp1.6');
    for (const action of [...lacking, 'SetChargingProfile'])
      assert.ok(t16.notSupported.has(action) && !t16.csmsInitiated.has(action), action);
    assert.equal(t16.csmsInitiated.get('TriggerMessage')!.chargerAction, undefined);
    assert.equal(t16.supportedFeatureProfiles, 'Core,FirmwareManagement,RemoteTrigger');
    const t201 = tablesOf('ocpp1.2-soap', 'ocpp2.0.1');
    for (const action of ['DataTransfer', 'ReserveNow', 'CancelReservation', 'GetLocalListVersion', 'SendLocalList'])
      assert.ok(t201.notSupported.has(action) && !t201.csmsInitiated.has(action), action);
  });

  it('UnlockConnector: the 1.2 Accepted and Rejected are Unlocked and UnlockFailed', () => {
    assert.deepEqual(command('ocpp1.6', 'UnlockConnector', { connectorId: 1 }).result, { status: 'Unlocked' });
    assert.deepEqual(command('ocpp1.6', 'UnlockConnector', { connectorId: 1 }, () => ({ status: 'Rejected' })).result, {
      status: 'UnlockFailed',
    });
    assert.deepEqual(command('ocpp2.0.1', 'UnlockConnector', { evseId: 1, connectorId: 1 }).result, {
      status: 'Unlocked',
    });
  });

  it('RemoteStartTransaction: idTag first, no charging profile (noted)', () => {
    const c = csmsCtx();
    const d = csmsExchange(
      'ocpp1.2-soap',
      'ocpp1.6',
      'RemoteStartTransaction',
      {
        idTag: 'T',
        connectorId: 1,
        chargingProfile: {
          chargingProfileId: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: 'Relative',
          chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
        },
      },
      state(),
      c,
    );
    assert.deepEqual(d.sent[0]!.request, { connectorId: 1, idTag: 'T' });
    assert.match(c.notes[0]!, /chargingProfile dropped: OCPP 1.2 SOAP has no smart charging/);
  });

  it('GetVariables of a key without GetConfiguration: UnknownVariable, the charger never asked; gateway variables answer', () => {
    const d = command('ocpp2.0.1', 'GetVariables', {
      getVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
        { component: { name: 'SecurityCtrlr' }, variable: { name: 'Identity' } },
      ],
    });
    assert.deepEqual(d.sent, []);
    assert.deepEqual(
      d.result.getVariableResult.map((r: any) => [r.attributeStatus, r.attributeValue]),
      [
        ['UnknownVariable', undefined],
        ['Accepted', 'CP-1'],
      ],
    );
  });

  it('TriggerMessage emulated for both protocols', () => {
    const sent = { connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: '2024-05-01T11:00:00.000Z' };
    const s = state({ connectors: { '1': { chargerStatus: 'Occupied', lastStatusSent: sent } } });
    const d16 = command(
      'ocpp1.6',
      'TriggerMessage',
      { requestedMessage: 'StatusNotification', connectorId: 1 },
      undefined,
      s,
    );
    assert.deepEqual([d16.sent, d16.result, d16.followUps.length], [[], { status: 'Accepted' }, 1]);
    const d201 = command('ocpp2.0.1', 'TriggerMessage', { requestedMessage: 'Heartbeat' });
    assert.deepEqual([d201.sent, d201.result], [[], { status: 'Rejected' }]);
  });
});
