import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ocpp16Soap } from '../../../../src/soap/dialects.js';
import type { SimpleType } from '../../../../src/soap/wsdl-model.js';
import { ctx, state } from '../helpers.js';
import { csmsCtx } from '../v201/helpers.js';
import { chargerExchange, csmsExchange, tablesOf } from './exchange.js';

/** OCPP 1.6 SOAP to OCPP 1.6J: the same data model, nothing lost (docs/translation.md#ocpp-16-soap-chargers). */
const charger = (action: string, request: object, s = state(), result: object = {}, c = ctx()) =>
  chargerExchange('ocpp1.6-soap', 'ocpp1.6', action, request, s, c, result);
const command = (action: string, request: object, reply?: (action: string, req: any) => object, s = state()) =>
  csmsExchange('ocpp1.6-soap', 'ocpp1.6', action, request, s, csmsCtx(), reply);
const enumOf = (type: string) => (ocpp16Soap.centralSystem().type(type) as SimpleType).enumeration!;

describe('OCPP 1.6 SOAP charger -> OCPP 1.6J CSMS', () => {
  it('every status and every error code goes unchanged, time in UTC, no Occupied inference', () => {
    for (const status of enumOf('ChargePointStatus')) {
      for (const errorCode of enumOf('ChargePointErrorCode')) {
        const req = { connectorId: 1, status, errorCode, timestamp: '2024-05-01T14:00:00+02:00' };
        const { call } = charger('StatusNotification', req);
        assert.deepEqual(call, { ...req, timestamp: '2024-05-01T12:00:00.000Z' });
      }
    }
    assert.equal(
      charger('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' }).call!.timestamp,
      ctx().receivedAt,
    );
  });

  it('MeterValues: every sampledValue field passes, phase included; Celsius spelled as configured', () => {
    const sampledValue = {
      value: ' 21.5 ',
      context: 'Trigger',
      format: 'Raw',
      measurand: 'Temperature',
      phase: 'L1-N',
      location: 'EV',
      unit: 'Celsius',
    };
    const req = {
      connectorId: 2,
      transactionId: 9,
      meterValue: [{ timestamp: '2024-05-01T12:00:00', sampledValue: [sampledValue, { value: '7' }] }],
    };
    const { call } = charger('MeterValues', req);
    assert.deepEqual(call, {
      connectorId: 2,
      transactionId: 9,
      meterValue: [
        {
          timestamp: '2024-05-01T12:00:00.000Z',
          sampledValue: [{ ...sampledValue, value: '21.5', unit: 'Celcius' }, { value: '7' }],
        },
      ],
    });
    const celsius = charger('MeterValues', req, state(), {}, ctx({ celsiusUnit: 'Celsius' })).call!;
    assert.equal(celsius.meterValue[0].sampledValue[0].unit, 'Celsius');
    for (const unit of enumOf('UnitOfMeasure')) {
      const one = {
        connectorId: 1,
        meterValue: [{ timestamp: '2024-05-01T12:00:00Z', sampledValue: [{ value: '1', unit }] }],
      };
      charger('MeterValues', one);
    }
  });

  it("StopTransaction: the charger's reason and its transactionData as MeterValues, never an inferred reason", () => {
    const open = state({
      transactions: {
        '5': {
          transactionId: 5,
          connectorId: 1,
          idTag: 'T',
          startedAt: 'x',
          idTagStatus: 'Accepted',
          stopCause: 'Remote',
        },
      },
    });
    const req = {
      transactionId: 5,
      idTag: 'T',
      timestamp: '2024-05-01T12:00:00Z',
      meterStop: 900,
      reason: 'EVDisconnected',
      transactionData: [
        { timestamp: '2024-05-01T11:59:00Z', sampledValue: [{ value: '899', context: 'Transaction.End' }] },
      ],
    };
    const { call } = charger('StopTransaction', req, open);
    assert.deepEqual(call, {
      ...req,
      timestamp: '2024-05-01T12:00:00.000Z',
      transactionData: [
        { timestamp: '2024-05-01T11:59:00.000Z', sampledValue: [{ value: '899', context: 'Transaction.End' }] },
      ],
    });
    const normal = charger('StopTransaction', { ...req, reason: undefined, transactionData: [] }, open).call!;
    assert.deepEqual(
      [normal.reason, normal.transactionData],
      [undefined, undefined],
      'absent means Local (1.6 section 4.10)',
    );
  });

  it('BootNotification: Pending reaches the charger as Pending, with `interval`, even 0', () => {
    const boot = { chargePointVendor: 'V', chargePointModel: 'M', firmwareVersion: '1' };
    for (const status of ['Accepted', 'Pending', 'Rejected']) {
      const {
        call,
        response,
        state: after,
      } = charger('BootNotification', boot, state(), {
        status,
        currentTime: '2024-05-01T14:00:00+02:00',
        interval: 0,
      });
      assert.deepEqual(call, boot);
      assert.deepEqual(response, { status, currentTime: '2024-05-01T12:00:00.000Z', interval: 0 });
      assert.equal(after.registration, status);
    }
  });

  it('statuses a 1.6 charger reports itself are never synthesised after a start', () => {
    const preparing = state({ connectors: { '1': { chargerStatus: 'Preparing', csmsStatus: 'Preparing' } } });
    const start = { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: '2024-05-01T12:00:00Z' };
    const { followUps, response } = charger('StartTransaction', start, preparing, {
      transactionId: 3,
      idTagInfo: { status: 'Accepted', expiryDate: '2024-06-01T02:00:00+02:00' },
    });
    assert.deepEqual(followUps, []);
    assert.deepEqual(response, {
      transactionId: 3,
      idTagInfo: { status: 'Accepted', expiryDate: '2024-06-01T00:00:00.000Z' },
    });
  });

  it('diagnostics and firmware statuses 1.5 lacks pass, and keep an upload or update outstanding while under way', () => {
    const busy = state({ diagnostics: { requestedAt: 'x' }, firmware: { requestedAt: 'x', retrieveDate: 'y' } });
    for (const status of enumOf('DiagnosticsStatus')) {
      const { call, state: after } = charger('DiagnosticsStatusNotification', { status }, busy);
      assert.deepEqual(call, { status });
      assert.equal(after.diagnostics !== undefined, status === 'Uploading', status);
    }
    for (const status of enumOf('FirmwareStatus')) {
      const { call, state: after } = charger('FirmwareStatusNotification', { status }, busy);
      assert.deepEqual(call, { status });
      assert.equal(after.firmware !== undefined, ['Downloaded', 'Downloading', 'Installing'].includes(status), status);
    }
  });

  it('Authorize, DataTransfer and Heartbeat go through as they are', () => {
    assert.deepEqual(charger('Authorize', { idTag: 'ABC' }, state(), { idTagInfo: { status: 'Blocked' } }).response, {
      idTagInfo: { status: 'Blocked' },
    });
    const dt = charger('DataTransfer', { vendorId: 'V', messageId: 'M', data: '<x/>' }, state(), {
      status: 'UnknownVendorId',
    });
    assert.deepEqual(
      [dt.call, dt.response],
      [{ vendorId: 'V', messageId: 'M', data: '<x/>' }, { status: 'UnknownVendorId' }],
    );
    assert.deepEqual(charger('Heartbeat', {}, state(), { currentTime: '2024-05-01T12:00:00Z' }).response, {
      currentTime: '2024-05-01T12:00:00.000Z',
    });
  });
});

describe('OCPP 1.6J CSMS -> OCPP 1.6 SOAP charger', () => {
  it("TriggerMessage, SetChargingProfile, ClearChargingProfile, GetCompositeSchedule are the charger's own", () => {
    const tables = tablesOf('ocpp1.6-soap', 'ocpp1.6');
    for (const action of ['TriggerMessage', 'SetChargingProfile', 'ClearChargingProfile', 'GetCompositeSchedule']) {
      assert.equal(tables.csmsInitiated.get(action)?.chargerAction, action);
      assert.ok(!tables.notSupported.has(action));
    }
    assert.equal(
      tables.supportedFeatureProfiles,
      'Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger',
    );
    const trigger = command('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 1 }, () => ({
      status: 'NotImplemented',
    }));
    assert.deepEqual(
      [trigger.sent, trigger.result],
      [
        [{ action: 'TriggerMessage', request: { requestedMessage: 'MeterValues', connectorId: 1 } }],
        { status: 'NotImplemented' },
      ],
    );
  });

  it('SetChargingProfile: csChargingProfiles with its times in UTC; RemoteStartTransaction keeps its profile', () => {
    const profile = {
      chargingProfileId: 4,
      stackLevel: 1,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      validFrom: '2024-05-01T14:00:00+02:00',
      chargingSchedule: {
        startSchedule: '2024-05-01T14:00:00+02:00',
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.5, numberPhases: 3 }],
        minChargingRate: 6.1,
      },
    };
    const utc = {
      ...profile,
      validFrom: '2024-05-01T12:00:00.000Z',
      chargingSchedule: { ...profile.chargingSchedule, startSchedule: '2024-05-01T12:00:00.000Z' },
    };
    const set = command('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile }, () => ({
      status: 'NotSupported',
    }));
    assert.deepEqual(
      [set.sent[0]!.request, set.result],
      [{ connectorId: 1, csChargingProfiles: utc }, { status: 'NotSupported' }],
    );
    const start = command('RemoteStartTransaction', {
      idTag: 'T',
      connectorId: 2,
      chargingProfile: { ...profile, chargingProfilePurpose: 'TxProfile' },
    });
    assert.deepEqual(start.sent[0]!.request, {
      connectorId: 2,
      idTag: 'T',
      chargingProfile: { ...utc, chargingProfilePurpose: 'TxProfile' },
    });
  });

  it('GetCompositeSchedule: the answer with numbers for limits and times in UTC; ClearChargingProfile as it is', () => {
    const composite = command('GetCompositeSchedule', { connectorId: 1, duration: 3600 }, () => ({
      status: 'Accepted',
      connectorId: 1,
      scheduleStart: '2024-05-01T12:00:00',
      chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] },
    }));
    assert.deepEqual(composite.result, {
      status: 'Accepted',
      connectorId: 1,
      scheduleStart: '2024-05-01T12:00:00.000Z',
      chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] },
    });
    const clear = command('ClearChargingProfile', { connectorId: 1, chargingProfilePurpose: 'TxProfile' }, () => ({
      status: 'Unknown',
    }));
    assert.deepEqual(
      [clear.sent[0]!.request, clear.result],
      [{ connectorId: 1, chargingProfilePurpose: 'TxProfile' }, { status: 'Unknown' }],
    );
  });

  it('1.6 spellings pass: SendLocalList localAuthorizationList, UnlockConnector and ChangeConfiguration statuses', () => {
    const list = command('SendLocalList', {
      listVersion: 3,
      updateType: 'Full',
      localAuthorizationList: [
        { idTag: 'A', idTagInfo: { status: 'Accepted', expiryDate: '2024-06-01T02:00:00+02:00' } },
      ],
    });
    assert.deepEqual(list.sent[0]!.request, {
      listVersion: 3,
      localAuthorizationList: [
        { idTag: 'A', idTagInfo: { status: 'Accepted', expiryDate: '2024-06-01T00:00:00.000Z' } },
      ],
      updateType: 'Full',
    });
    for (const status of ['Unlocked', 'UnlockFailed', 'NotSupported'])
      assert.deepEqual(command('UnlockConnector', { connectorId: 1 }, () => ({ status })).result, { status });
    assert.deepEqual(
      command('ChangeConfiguration', { key: 'K', value: 'V' }, () => ({ status: 'RebootRequired' })).result,
      {
        status: 'RebootRequired',
      },
    );
  });
});
