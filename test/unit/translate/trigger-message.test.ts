import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsmsCallContext } from '../../../src/translate/csms-operation.js';
import { triggerMessage } from '../../../src/translate/csms16/csms-initiated/trigger-message.js';
import { check16 } from '../../../src/ocpp/v16/protocol.js';
import { state } from './helpers.js';

const NOW = '2024-05-01T12:00:00.000Z';
const ctx = (): CsmsCallContext => ({
  now: NOW,
  options: { celsiusUnit: 'Celcius', timezone: 'Z', bootRetryIntervalSec: 60 },
  gatewayKeys: { webSocketPingInterval: 30, supportedFeatureProfiles: 'Core' },
  notes: [],
});
const status = (connectorId: number, s: 'Available' | 'Charging') => ({
  connectorId,
  errorCode: 'NoError',
  status: s,
  timestamp: '2024-05-01T08:00:00.000Z',
});
const known = state({
  connectors: {
    '0': { lastStatusSent: status(0, 'Available') },
    '2': { lastStatusSent: status(2, 'Charging') },
    '1': {},
  },
});

describe('TriggerMessage emulation (docs/translation.md#triggermessage)', () => {
  it('StatusNotification for one connector replays its last status; unknown connector -> Rejected', () => {
    assert.deepEqual(triggerMessage({ requestedMessage: 'StatusNotification', connectorId: 2 }, known, NOW, ctx()), {
      result: { status: 'Accepted' },
      followUps: [{ action: 'StatusNotification', payload: status(2, 'Charging') }],
    });
    assert.deepEqual(triggerMessage({ requestedMessage: 'StatusNotification', connectorId: 1 }, known, NOW, ctx()), {
      result: { status: 'Rejected' },
      followUps: [],
    });
  });

  it('StatusNotification without connectorId replays connector 0 and every known connector, in order', () => {
    const out = triggerMessage({ requestedMessage: 'StatusNotification' }, known, NOW, ctx());
    assert.deepEqual(
      out.followUps.map((f) => (f.payload as { connectorId: number }).connectorId),
      [0, 2],
    );
    assert.deepEqual(triggerMessage({ requestedMessage: 'StatusNotification' }, state(), NOW, ctx()).result, {
      status: 'Rejected',
    });
  });

  it('Heartbeat only while the charger was heard within its heartbeat interval', () => {
    const s = state({ heartbeatInterval: 60 });
    assert.deepEqual(triggerMessage({ requestedMessage: 'Heartbeat' }, s, '2024-05-01T11:59:30.000Z', ctx()), {
      result: { status: 'Accepted' },
      followUps: [{ action: 'Heartbeat', payload: {} }],
    });
    assert.deepEqual(triggerMessage({ requestedMessage: 'Heartbeat' }, s, '2024-05-01T11:58:00.000Z', ctx()).result, {
      status: 'Rejected',
    });
    assert.deepEqual(triggerMessage({ requestedMessage: 'Heartbeat' }, s, undefined, ctx()).result, {
      status: 'Rejected',
    });
  });

  it('BootNotification: Rejected after an accepted boot; while Pending the cached boot is re-sent for the reducer', () => {
    const boot = { chargePointVendor: 'V', chargePointModel: 'M', firmwareVersion: '1' };
    assert.equal(
      triggerMessage(
        { requestedMessage: 'BootNotification' },
        state({ registration: 'Accepted', lastBoot: { at: NOW, request: boot, csmsStatus: 'Accepted' } }),
        NOW,
        ctx(),
      ).result.status,
      'Rejected',
    );
    assert.equal(
      triggerMessage({ requestedMessage: 'BootNotification' }, state({ registration: 'Pending' }), NOW, ctx()).result
        .status,
      'Rejected',
      'nothing cached',
    );
    const out = triggerMessage(
      { requestedMessage: 'BootNotification' },
      state({ registration: 'Pending', lastBoot: { at: NOW, request: boot, csmsStatus: 'Pending' } }),
      NOW,
      ctx(),
    );
    assert.deepEqual(out, {
      result: { status: 'Accepted' },
      followUps: [{ action: 'BootNotification', payload: boot, source: { action: 'BootNotification', request: boot } }],
    });
  });

  it('MeterValues -> Rejected (the gateway cannot sample)', () => {
    assert.deepEqual(triggerMessage({ requestedMessage: 'MeterValues', connectorId: 1 }, known, NOW, ctx()), {
      result: { status: 'Rejected' },
      followUps: [],
    });
  });

  it('DiagnosticsStatusNotification: Idle, or Uploading while a GetDiagnostics is outstanding', () => {
    const idle = triggerMessage({ requestedMessage: 'DiagnosticsStatusNotification' }, state(), NOW, ctx());
    assert.deepEqual(idle.followUps, [{ action: 'DiagnosticsStatusNotification', payload: { status: 'Idle' } }]);
    const uploading = triggerMessage(
      { requestedMessage: 'DiagnosticsStatusNotification' },
      state({ diagnostics: { requestedAt: NOW } }),
      NOW,
      ctx(),
    );
    assert.deepEqual(uploading.followUps[0]?.payload, { status: 'Uploading' });
    for (const f of [...idle.followUps, ...uploading.followUps]) assert.ok(check16(f.action, 'req', f.payload).ok);
  });

  it('FirmwareStatusNotification: Idle, Downloading after retrieveDate, Installing after Downloaded', () => {
    const fw = (retrieveDate: string, downloaded?: boolean) =>
      state({ firmware: { requestedAt: NOW, retrieveDate, downloaded } });
    const statusOf = (s: ReturnType<typeof state>) => {
      const followUp = triggerMessage({ requestedMessage: 'FirmwareStatusNotification' }, s, NOW, ctx()).followUps[0];
      return (followUp!.payload as { status: string }).status;
    };
    assert.equal(statusOf(state()), 'Idle');
    assert.equal(statusOf(fw('2024-06-01T00:00:00.000Z')), 'Idle', 'download not due yet');
    assert.equal(statusOf(fw('2024-04-01T00:00:00.000Z')), 'Downloading');
    assert.equal(statusOf(fw('2024-04-01T00:00:00.000Z', true)), 'Installing');
  });

  it('an unknown requestedMessage -> NotImplemented status, not a CALLERROR', () => {
    assert.deepEqual(triggerMessage({ requestedMessage: 'SomethingNew' }, known, NOW, ctx()), {
      result: { status: 'NotImplemented' },
      followUps: [],
    });
  });
});
