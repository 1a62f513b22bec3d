import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootNotification } from './pair-15-16.js';
import { check16 } from '../../../src/ocpp/v16/protocol.js';
import { ctx, state } from './helpers.js';

const request = {
  chargePointVendor: 'VendorX',
  chargePointModel: 'ModelY',
  chargePointSerialNumber: 'CPSN',
  chargeBoxSerialNumber: 'CBSN',
  firmwareVersion: '1.2.3',
  iccid: 'ICCID',
  imsi: 'IMSI',
  meterType: 'MT',
  meterSerialNumber: 'MSN',
};

describe('BootNotification (docs/translation.md#bootnotification)', () => {
  it('copies all nine fields 1:1 into a schema-valid 1.6 CALL', () => {
    const out = bootNotification.toCall(request, state(), ctx());
    assert.deepEqual(out, { kind: 'call', payload: request });
    if (out.kind === 'call') assert.ok(check16('BootNotification', 'req', out.payload).ok);
  });

  it('clamps over-long fields instead of failing the charger, and notes it', () => {
    const c = ctx();
    const out = bootNotification.toCall({ ...request, chargePointModel: 'M'.repeat(30) }, state(), c);
    assert.equal(out.kind === 'call' && out.payload.chargePointModel, 'M'.repeat(20));
    assert.match(c.notes[0]!, /chargePointModel truncated from 30 to 20/);
  });

  it('Accepted: interval becomes heartbeatInterval', () => {
    assert.deepEqual(
      bootNotification.toResponse(
        { status: 'Accepted', currentTime: '2024-05-01T12:00:00Z', interval: 300 },
        request,
        ctx(),
      ),
      {
        status: 'Accepted',
        currentTime: '2024-05-01T12:00:00.000Z',
        heartbeatInterval: 300,
      },
    );
  });

  it('Pending: the 1.5 charger is told Rejected with the CSMS interval', () => {
    const res = bootNotification.toResponse(
      { status: 'Pending', currentTime: '2024-05-01T12:00:00Z', interval: 45 },
      request,
      ctx(),
    );
    assert.deepEqual(res, { status: 'Rejected', currentTime: '2024-05-01T12:00:00.000Z', heartbeatInterval: 45 });
  });

  it('Pending or Rejected with interval 0: the configured retry interval, never 0', () => {
    for (const status of ['Pending', 'Rejected'] as const) {
      const res = bootNotification.toResponse(
        { status, currentTime: '2024-05-01T12:00:00Z', interval: 0 },
        request,
        ctx({ bootRetryIntervalSec: 90 }),
      );
      assert.equal(res.status, 'Rejected');
      assert.equal(res.heartbeatInterval, 90);
    }
  });

  it('reduce records registration, interval and boot, and flags open transactions as rebooted', () => {
    const before = state({
      transactions: {
        '7': {
          transactionId: 7,
          connectorId: 1,
          idTag: 'T',
          startedAt: '2024-05-01T11:00:00.000Z',
          idTagStatus: 'Accepted',
        },
      },
    });
    const result = { status: 'Pending' as const, currentTime: '2024-05-01T12:00:00Z', interval: 30 };
    const { state: after } = bootNotification.reduce!(
      before,
      { request, call: request, result, response: bootNotification.toResponse(result, request, ctx()) },
      ctx(),
    );
    assert.equal(after.registration, 'Pending');
    assert.equal(after.heartbeatInterval, undefined, 'a Pending interval is a retry wait, not a heartbeat interval');
    assert.equal(after.lastBoot?.csmsStatus, 'Pending');
    assert.equal(after.transactions['7']?.rebootedDuringTransaction, true);
  });
});
