import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusNotificationRequest15 } from '../../../src/ocpp/v15/types.js';
import { statusNotification, statusNotificationTo16 } from './pair-15-16.js';
import { check16 } from '../../../src/ocpp/v16/protocol.js';
import { ctx, state } from './helpers.js';

const req = (r: Partial<StatusNotificationRequest15>): StatusNotificationRequest15 => ({
  connectorId: 1,
  status: 'Available',
  errorCode: 'NoError',
  ...r,
});
const openTx = state({
  transactions: { '9': { transactionId: 9, connectorId: 1, idTag: 'T', startedAt: 'x', idTagStatus: 'Accepted' } },
});

describe('StatusNotification (docs/translation.md#statusnotification)', () => {
  for (const s of ['Available', 'Faulted', 'Unavailable', 'Reserved'] as const) {
    it(`${s} is the same in 1.6`, () =>
      assert.equal(statusNotificationTo16(req({ status: s }), state(), ctx()).status, s));
  }

  it('Occupied with an open transaction -> Charging', () => {
    assert.equal(statusNotificationTo16(req({ status: 'Occupied' }), openTx, ctx()).status, 'Charging');
  });
  it('Occupied right after a transaction stopped -> Finishing', () => {
    assert.equal(
      statusNotificationTo16(
        req({ status: 'Occupied' }),
        state({ connectors: { '1': { transactionJustStopped: true } } }),
        ctx(),
      ).status,
      'Finishing',
    );
  });
  it('Occupied otherwise -> Preparing', () => {
    assert.equal(statusNotificationTo16(req({ status: 'Occupied' }), state(), ctx()).status, 'Preparing');
  });

  it('connector 0 allows only Available/Unavailable/Faulted: Occupied and Reserved become Available, noted', () => {
    for (const s of ['Occupied', 'Reserved'] as const) {
      const c = ctx();
      assert.equal(statusNotificationTo16(req({ connectorId: 0, status: s }), state(), c).status, 'Available');
      assert.equal(c.notes.length, 1);
    }
  });

  const sameCodes = [
    'ConnectorLockFailure',
    'HighTemperature',
    'NoError',
    'PowerMeterFailure',
    'PowerSwitchFailure',
    'ReaderFailure',
    'ResetFailure',
    'GroundFailure',
    'OverCurrentFailure',
    'UnderVoltage',
    'WeakSignal',
    'OtherError',
  ];
  for (const code of sameCodes) {
    it(`errorCode ${code} is the same in 1.6`, () => {
      const out = statusNotificationTo16(req({ errorCode: code, status: 'Faulted' }), state(), ctx());
      assert.equal(out.errorCode, code);
      assert.ok(check16('StatusNotification', 'req', out).ok);
    });
  }

  it('Mode3Error while Occupied -> EVCommunicationError with a status that allows it', () => {
    const preparing = statusNotificationTo16(req({ status: 'Occupied', errorCode: 'Mode3Error' }), state(), ctx());
    assert.deepEqual([preparing.status, preparing.errorCode], ['Preparing', 'EVCommunicationError']);
    const charging = statusNotificationTo16(req({ status: 'Occupied', errorCode: 'Mode3Error' }), openTx, ctx());
    assert.deepEqual([charging.status, charging.errorCode], ['SuspendedEVSE', 'EVCommunicationError']);
    assert.ok(check16('StatusNotification', 'req', charging).ok);
  });

  it('Mode3Error with any other status -> OtherError, vendorErrorCode Mode3Error, the charger code kept in info', () => {
    const out = statusNotificationTo16(
      req({ status: 'Faulted', errorCode: 'Mode3Error', vendorErrorCode: 'E42' }),
      state(),
      ctx(),
    );
    assert.deepEqual(
      [out.status, out.errorCode, out.vendorErrorCode, out.info],
      ['Faulted', 'OtherError', 'Mode3Error', 'E42'],
    );
  });

  it('clamps info 50, vendorId 255, vendorErrorCode 50; fills a missing timestamp with the receipt time', () => {
    const c = ctx();
    const out = statusNotificationTo16(
      req({ info: 'i'.repeat(60), vendorId: 'v'.repeat(300), vendorErrorCode: 'e'.repeat(60) }),
      state(),
      c,
    );
    assert.deepEqual([out.info?.length, out.vendorId?.length, out.vendorErrorCode?.length], [50, 255, 50]);
    assert.equal(out.timestamp, c.receivedAt);
    assert.equal(c.notes.length, 3);
    assert.ok(check16('StatusNotification', 'req', out).ok);
  });

  it('reduce remembers the 1.5 and 1.6 status and clears the just-stopped flag once the connector is free', () => {
    const before = state({ connectors: { '1': { transactionJustStopped: true } } });
    const request = req({ status: 'Available' });
    const call = statusNotificationTo16(request, before, ctx());
    const { state: after } = statusNotification.reduce!(before, { request, call, result: {}, response: {} }, ctx());
    assert.deepEqual(after.connectors['1'], {
      chargerStatus: 'Available',
      chargerErrorCode: 'NoError',
      csmsStatus: 'Available',
      lastStatusSent: call,
      transactionJustStopped: false,
    });
  });
});
