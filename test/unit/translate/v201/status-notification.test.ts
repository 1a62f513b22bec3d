import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusNotificationRequest15 } from '../../../../src/ocpp/v15/types.js';
import type { ChargerState } from '../../../../src/translate/charger-state.js';
import { statusNotification } from './pair-15-201.js';
import { assertValid, ctx, state } from './helpers.js';

const status = (
  connectorId: number,
  s: string,
  errorCode = 'NoError',
  extra: Partial<StatusNotificationRequest15> = {},
): StatusNotificationRequest15 =>
  ({ connectorId, status: s, errorCode, timestamp: '2024-05-01T12:00:00Z', ...extra }) as StatusNotificationRequest15;

/** The processor's view: the first CALL, then the follow-ups of the reducer, each valid 2.0.1. */
function calls(req: StatusNotificationRequest15, s: ChargerState) {
  const out = statusNotification.toCall(req, s, ctx());
  if (out.kind === 'answer') return { calls: [] as { action: string; payload: any }[], state: s };
  const first = { action: out.action ?? 'StatusNotification', payload: out.payload as any };
  const reduced = statusNotification.reduce!(s, { request: req, call: out.payload, result: {}, response: {} }, ctx());
  const all = [first, ...(reduced.followUps ?? []).map((f) => ({ action: f.action, payload: f.payload as any }))];
  for (const c of all) assertValid(c.action, 'req', c.payload);
  return { calls: all, state: reduced.state };
}

describe('StatusNotification to 2.0.1 (docs/translation-201.md#statusnotification)', () => {
  it('every 1.5 status is a 2.0.1 connectorStatus; connector N is EVSE N, connector 1', () => {
    for (const s of ['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted']) {
      const { calls: out } = calls(status(3, s), state());
      assert.deepEqual(out, [
        {
          action: 'StatusNotification',
          payload: { timestamp: '2024-05-01T12:00:00.000Z', connectorStatus: s, evseId: 3, connectorId: 1 },
        },
      ]);
    }
  });

  it('a missing timestamp is the arrival time', () => {
    const { calls: out } = calls(status(1, 'Available', 'NoError', { timestamp: undefined }), state());
    assert.equal(out[0]!.payload.timestamp, '2024-05-01T12:00:00.000Z');
  });

  it('a fault is also a NotifyEvent on the connector Problem variable, with the vendor codes in techInfo; clearing it is one too', () => {
    const faulted = calls(
      status(2, 'Faulted', 'GroundFailure', { vendorId: 'ACME', vendorErrorCode: 'E42', info: 'RCD tripped' }),
      state(),
    );
    assert.equal(faulted.calls.length, 2);
    assert.deepEqual(faulted.calls[1], {
      action: 'NotifyEvent',
      payload: {
        generatedAt: '2024-05-01T12:00:00.000Z',
        seqNo: 0,
        eventData: [
          {
            eventId: 1,
            timestamp: '2024-05-01T12:00:00.000Z',
            trigger: 'Delta',
            actualValue: 'true',
            techCode: 'GroundFailure',
            techInfo: 'vendorId ACME; vendorErrorCode E42; info RCD tripped',
            eventNotificationType: 'HardWiredNotification',
            component: { name: 'Connector', evse: { id: 2, connectorId: 1 } },
            variable: { name: 'Problem' },
          },
        ],
      },
    });
    assert.equal(faulted.state.nextEventId, 2);
    const again = calls(status(2, 'Unavailable', 'GroundFailure'), faulted.state);
    assert.equal(again.calls.length, 1, 'the same fault is not reported twice');
    const cleared = calls(status(2, 'Available'), again.state);
    assert.equal(cleared.calls[1]!.action, 'NotifyEvent');
    assert.deepEqual(cleared.calls[1]!.payload.eventData[0], {
      eventId: 2,
      timestamp: '2024-05-01T12:00:00.000Z',
      trigger: 'Delta',
      actualValue: 'false',
      cleared: true,
      eventNotificationType: 'HardWiredNotification',
      component: { name: 'Connector', evse: { id: 2, connectorId: 1 } },
      variable: { name: 'Problem' },
    });
  });

  it('connector 0 is never EVSE 0: out of service it is the status of every known EVSE, back in service each EVSE gets its own again', () => {
    let s = calls(status(1, 'Occupied'), state()).state;
    s = calls(status(2, 'Available'), s).state;
    const down = calls(status(0, 'Unavailable'), s);
    assert.deepEqual(
      down.calls.map((c) => [c.action, c.payload.evseId, c.payload.connectorStatus]),
      [
        ['StatusNotification', 1, 'Unavailable'],
        ['StatusNotification', 2, 'Unavailable'],
      ],
    );
    const up = calls(status(0, 'Available'), down.state);
    assert.deepEqual(
      up.calls.map((c) => [c.payload.evseId, c.payload.connectorStatus]),
      [
        [1, 'Occupied'],
        [2, 'Available'],
      ],
    );
    assert.ok(up.calls.every((c) => c.payload.evseId !== 0));
  });

  it('connector 0 before any EVSE is known is answered by the gateway; a station fault then goes as a NotifyEvent of the ChargingStation', () => {
    const out = statusNotification.toCall(status(0, 'Available'), state(), ctx());
    assert.equal(out.kind, 'answer');
    const fault = calls(status(0, 'Faulted', 'PowerMeterFailure'), state());
    assert.equal(fault.calls.length, 1);
    assert.equal(fault.calls[0]!.action, 'NotifyEvent');
    assert.deepEqual(fault.calls[0]!.payload.eventData[0].component, { name: 'ChargingStation' });
  });
});
