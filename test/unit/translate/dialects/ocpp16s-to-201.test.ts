import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csmsCtx, ctx, state, tx201 } from '../v201/helpers.js';
import { chargerExchange, csmsExchange, tablesOf } from './exchange.js';

/** OCPP 1.6 SOAP to OCPP 2.0.1 (docs/translation.md#ocpp-16-soap-chargers, docs/translation-201.md#smart-charging). */
const charger = (action: string, request: object, s = state(), result: object = {}, c = ctx()) =>
  chargerExchange('ocpp1.6-soap', 'ocpp2.0.1', action, request, s, c, result);
const command = (action: string, request: object, reply?: (action: string, req: any) => object, s = state()) =>
  csmsExchange('ocpp1.6-soap', 'ocpp2.0.1', action, request, s, csmsCtx(), reply);
const open = () => state({ transactions: { '7': tx201() } });

const profile = (extra: object = {}) => ({
  id: 4,
  stackLevel: 1,
  chargingProfilePurpose: 'ChargingStationMaxProfile',
  chargingProfileKind: 'Absolute',
  chargingSchedule: [
    {
      id: 1,
      startSchedule: '2024-05-01T12:00:00Z',
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.26, numberPhases: 3 }],
      minChargingRate: 6.04,
    },
  ],
  ...extra,
});

describe('OCPP 1.6 SOAP charger -> OCPP 2.0.1 CSMS', () => {
  it('1.6 statuses are 2.0.1 Occupied; a 1.6 error code is the NotifyEvent techCode, told once', () => {
    const first = charger('StatusNotification', {
      connectorId: 1,
      status: 'SuspendedEV',
      errorCode: 'EVCommunicationError',
      timestamp: '2024-05-01T12:00:00Z',
    });
    assert.deepEqual(first.call, {
      timestamp: '2024-05-01T12:00:00.000Z',
      connectorStatus: 'Occupied',
      evseId: 1,
      connectorId: 1,
    });
    assert.deepEqual(
      first.followUps.map((f) => [f.action, (f.payload as any).eventData[0].techCode]),
      [['NotifyEvent', 'EVCommunicationError']],
    );
    const again = charger(
      'StatusNotification',
      { connectorId: 1, status: 'Charging', errorCode: 'EVCommunicationError' },
      first.state,
    );
    assert.deepEqual(again.followUps, [], 'the same fault is not told twice');
    assert.equal(again.state.connectors['1']!.chargerStatus, 'Charging');
  });

  it("StopTransaction: the charger's reason in 2.0.1 words, its transactionData and phase carried", () => {
    const stop = {
      transactionId: 7,
      idTag: 'TAG',
      timestamp: '2024-05-01T13:00:00Z',
      meterStop: 2000,
      reason: 'EVDisconnected',
      transactionData: [
        {
          timestamp: '2024-05-01T12:59:00Z',
          sampledValue: [{ value: '230.1', measurand: 'Voltage', phase: 'L1-N', unit: 'V' }],
        },
      ],
    };
    const { call } = charger('StopTransaction', stop, open(), {}, ctx({ messageId: 'stop' }));
    assert.deepEqual(
      [call!.triggerReason, call!.transactionInfo.stoppedReason],
      ['EVCommunicationLost', 'EVDisconnected'],
    );
    assert.deepEqual(call!.meterValue[0].sampledValue[0], {
      value: 230.1,
      measurand: 'Voltage',
      phase: 'L1-N',
      unitOfMeasure: { unit: 'V' },
    });
    const local = charger('StopTransaction', { ...stop, reason: 'Local', transactionData: [] }, open()).call!;
    assert.deepEqual([local.triggerReason, local.transactionInfo.stoppedReason], ['StopAuthorized', 'Local']);
  });

  it('MeterValues: a triggered reading is triggerReason Trigger; Celsius stays Celsius; RPM is dropped, noted', () => {
    const c = ctx();
    const { call } = charger(
      'MeterValues',
      {
        connectorId: 1,
        transactionId: 7,
        meterValue: [
          {
            timestamp: '2024-05-01T12:00:00Z',
            sampledValue: [
              { value: '30', context: 'Trigger', measurand: 'SoC', unit: 'Percent' },
              { value: '40', measurand: 'Temperature', unit: 'Celsius' },
              { value: '900', measurand: 'RPM' },
            ],
          },
        ],
      },
      open(),
      {},
      c,
    );
    assert.equal(call!.triggerReason, 'Trigger');
    assert.deepEqual(
      call!.meterValue[0].sampledValue.map((v: any) => v.unitOfMeasure?.unit),
      ['Percent'],
      'Temperature and RPM have no 2.0.1 measurand',
    );
    assert.match(c.notes.join(), /RPM dropped/);
  });

  it('BootNotification Pending reaches the charger as Pending; a diagnostics upload under way is Uploading', () => {
    const boot = charger('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }, state(), {
      status: 'Pending',
      currentTime: '2024-05-01T12:00:00Z',
      interval: 30,
    });
    assert.deepEqual(boot.response, { status: 'Pending', currentTime: '2024-05-01T12:00:00.000Z', interval: 30 });
    const log = charger(
      'DiagnosticsStatusNotification',
      { status: 'Uploading' },
      state({ diagnostics: { requestedAt: 'x', requestId: 9 } }),
    );
    assert.deepEqual([log.callAction, log.call], ['LogStatusNotification', { status: 'Uploading', requestId: 9 }]);
    assert.ok(log.state.diagnostics, 'still outstanding');
  });
});

describe('OCPP 2.0.1 CSMS -> OCPP 1.6 SOAP charger: smart charging (docs/translation-201.md#smart-charging)', () => {
  it('SetChargingProfile: purpose, limits in tenths, the transaction by its charger id; NotSupported is Rejected', () => {
    const d = command('SetChargingProfile', { evseId: 0, chargingProfile: profile() });
    assert.deepEqual(d.sent[0]!.request.csChargingProfiles, {
      chargingProfileId: 4,
      stackLevel: 1,
      chargingProfilePurpose: 'ChargePointMaxProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: {
        startSchedule: '2024-05-01T12:00:00.000Z',
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.3, numberPhases: 3 }],
        minChargingRate: 6,
      },
    });
    assert.deepEqual(d.result, { status: 'Accepted' });
    const tx = command(
      'SetChargingProfile',
      { evseId: 1, chargingProfile: profile({ chargingProfilePurpose: 'TxProfile', transactionId: 'tx-uuid-7' }) },
      () => ({ status: 'NotSupported' }),
      open(),
    );
    assert.equal(tx.sent[0]!.request.csChargingProfiles.transactionId, 7);
    assert.deepEqual(tx.result, { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });
  });

  it('SetChargingProfile: an external constraint or an unknown transaction is Rejected without the charger', () => {
    const external = command('SetChargingProfile', {
      evseId: 0,
      chargingProfile: profile({ chargingProfilePurpose: 'ChargingStationExternalConstraints' }),
    });
    assert.deepEqual([external.sent, external.result.statusInfo.reasonCode], [[], 'UnsupportedPurpose']);
    const unknown = command('SetChargingProfile', {
      evseId: 1,
      chargingProfile: profile({ chargingProfilePurpose: 'TxProfile', transactionId: 'nope' }),
    });
    assert.deepEqual([unknown.sent, unknown.result.statusInfo.reasonCode], [[], 'TxNotFound']);
  });

  it('ClearChargingProfile: the criteria in 1.6 words; an external-constraints purpose is Unknown at once', () => {
    const d = command(
      'ClearChargingProfile',
      {
        chargingProfileId: 4,
        chargingProfileCriteria: { evseId: 1, chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 2 },
      },
      () => ({ status: 'Unknown' }),
    );
    assert.deepEqual(d.sent[0]!.request, {
      id: 4,
      connectorId: 1,
      chargingProfilePurpose: 'TxDefaultProfile',
      stackLevel: 2,
    });
    assert.deepEqual(d.result, { status: 'Unknown' });
    const external = command('ClearChargingProfile', {
      chargingProfileCriteria: { chargingProfilePurpose: 'ChargingStationExternalConstraints' },
    });
    assert.deepEqual([external.sent, external.result], [[], { status: 'Unknown' }]);
  });

  it('GetCompositeSchedule: evseId is connectorId; the answer is a CompositeScheduleType', () => {
    const d = command('GetCompositeSchedule', { evseId: 2, duration: 600, chargingRateUnit: 'W' }, () => ({
      status: 'Accepted',
      scheduleStart: '2024-05-01T12:00:00Z',
      chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 7400 }] },
    }));
    assert.deepEqual(d.sent[0]!.request, { connectorId: 2, duration: 600, chargingRateUnit: 'W' });
    assert.deepEqual(d.result.schedule, {
      evseId: 2,
      duration: 600,
      scheduleStart: '2024-05-01T12:00:00.000Z',
      chargingRateUnit: 'W',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 7400 }],
    });
    assert.deepEqual(
      command('GetCompositeSchedule', { evseId: 2, duration: 600 }, () => ({ status: 'Rejected' })).result,
      {
        status: 'Rejected',
      },
    );
  });

  it('RequestStartTransaction carries its charging profile to a 1.6 charger', () => {
    const d = command('RequestStartTransaction', {
      idToken: { idToken: 'TAG', type: 'ISO14443' },
      remoteStartId: 3,
      evseId: 1,
      chargingProfile: profile({ chargingProfilePurpose: 'TxProfile' }),
    });
    assert.equal(d.sent[0]!.request.chargingProfile.chargingProfilePurpose, 'TxProfile');
    assert.equal(d.state.remoteStarts?.['1']?.remoteStartId, 3);
  });
});

describe('OCPP 2.0.1 CSMS -> OCPP 1.6 SOAP charger: TriggerMessage and the rest', () => {
  it('TriggerMessage goes to the charger in 1.6 words; TransactionEvent comes from the gateway', () => {
    const log = command('TriggerMessage', { requestedMessage: 'LogStatusNotification', evse: { id: 2 } });
    assert.deepEqual(log.sent, [
      { action: 'TriggerMessage', request: { requestedMessage: 'DiagnosticsStatusNotification', connectorId: 2 } },
    ]);
    const tx = command('TriggerMessage', { requestedMessage: 'TransactionEvent' }, undefined, open());
    assert.deepEqual([tx.sent, tx.result], [[], { status: 'Accepted' }]);
    assert.deepEqual(command('TriggerMessage', { requestedMessage: 'SignV2GCertificate' }).result, {
      status: 'NotImplemented',
    });
    assert.deepEqual(
      command('TriggerMessage', { requestedMessage: 'Heartbeat', evse: { id: 1, connectorId: 2 } }).sent,
      [],
    );
  });

  it('UnlockConnector: a charger without a lock (NotSupported) is UnlockFailed; smart charging is no longer NotSupported', () => {
    assert.deepEqual(
      command('UnlockConnector', { evseId: 1, connectorId: 1 }, () => ({ status: 'NotSupported' })).result,
      {
        status: 'UnlockFailed',
      },
    );
    const { notSupported } = tablesOf('ocpp1.6-soap', 'ocpp2.0.1');
    for (const action of ['SetChargingProfile', 'ClearChargingProfile', 'GetCompositeSchedule'])
      assert.ok(!notSupported.has(action));
    assert.ok(notSupported.has('GetChargingProfiles'));
  });
});
