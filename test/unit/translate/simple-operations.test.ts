import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  authorize,
  chargerInitiated15to16,
  dataTransfer,
  diagnosticsStatusNotification,
  firmwareStatusNotification,
  heartbeat,
} from './pair-15-16.js';
import { check16 } from '../../../src/ocpp/v16/protocol.js';
import { ctx, state } from './helpers.js';
import { TranslationError } from '../../../src/translate/context.js';

describe('Authorize (docs/translation.md#authorize)', () => {
  it('passes idTag through and idTagInfo back, expiryDate in UTC', () => {
    const out = authorize.toCall({ idTag: 'TAG-1' }, state(), ctx());
    assert.deepEqual(out, { kind: 'call', payload: { idTag: 'TAG-1' } });
    const res = authorize.toResponse(
      { idTagInfo: { status: 'Blocked', expiryDate: '2024-06-01T14:00:00+02:00', parentIdTag: 'P' } },
      { idTag: 'TAG-1' },
      ctx(),
    );
    assert.deepEqual(res, {
      idTagInfo: { status: 'Blocked', expiryDate: '2024-06-01T12:00:00.000Z', parentIdTag: 'P' },
    });
  });

  for (const status of ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'] as const) {
    it(`maps AuthorizationStatus ${status} 1:1`, () => {
      assert.equal(authorize.toResponse({ idTagInfo: { status } }, { idTag: 'x' }, ctx()).idTagInfo.status, status);
    });
  }

  it('refuses an idTag longer than 20 characters instead of truncating it to another card', () => {
    assert.throws(
      () => authorize.toCall({ idTag: 'X'.repeat(21) }, state(), ctx()),
      (e: unknown) => e instanceof TranslationError && /longer than 20/.test(e.message),
    );
  });
});

describe('DataTransfer (docs/translation.md#datatransfer-from-the-charger)', () => {
  it('passes data byte for byte and clamps vendorId/messageId to 1.6 limits', () => {
    const c = ctx();
    const data = '{"ts":"2024-13-45T99:99"} <x>&amp;</x>';
    const out = dataTransfer.toCall({ vendorId: 'V'.repeat(300), messageId: 'M'.repeat(60), data }, state(), c);
    assert.equal(out.kind, 'call');
    if (out.kind !== 'call') return;
    assert.equal(out.payload.vendorId.length, 255);
    assert.equal(out.payload.messageId?.length, 50);
    assert.equal(out.payload.data, data);
    assert.equal(c.notes.length, 2);
    assert.ok(check16('DataTransfer', 'req', out.payload).ok);
  });

  it('omits absent optional fields and maps every status 1:1', () => {
    assert.deepEqual(dataTransfer.toCall({ vendorId: 'V' }, state(), ctx()), {
      kind: 'call',
      payload: { vendorId: 'V' },
    });
    for (const status of ['Accepted', 'Rejected', 'UnknownMessageId', 'UnknownVendorId'] as const) {
      assert.deepEqual(dataTransfer.toResponse({ status }, { vendorId: 'V' }, ctx()), { status });
    }
    assert.deepEqual(dataTransfer.toResponse({ status: 'Accepted', data: 'reply' }, { vendorId: 'V' }, ctx()), {
      status: 'Accepted',
      data: 'reply',
    });
  });
});

describe('status notifications and Heartbeat (docs/translation.md#charger-to-csms)', () => {
  for (const status of ['Uploaded', 'UploadFailed'] as const) {
    it(`DiagnosticsStatusNotification ${status} is the same in 1.6`, () => {
      assert.deepEqual(diagnosticsStatusNotification.toCall({ status }, state(), ctx()), {
        kind: 'call',
        payload: { status },
      });
    });
  }
  for (const status of ['Downloaded', 'DownloadFailed', 'InstallationFailed', 'Installed'] as const) {
    it(`FirmwareStatusNotification ${status} is the same in 1.6`, () => {
      assert.deepEqual(firmwareStatusNotification.toCall({ status }, state(), ctx()), {
        kind: 'call',
        payload: { status },
      });
    });
  }
  it('Heartbeat sends {} and returns currentTime in UTC', () => {
    assert.deepEqual(heartbeat.toCall({}, state(), ctx()), { kind: 'call', payload: {} });
    assert.deepEqual(heartbeat.toResponse({ currentTime: '2024-05-01T14:00:00+02:00' }, {}, ctx()), {
      currentTime: '2024-05-01T12:00:00.000Z',
    });
  });
});

describe('registry', () => {
  it('lists the ten CentralSystemService operations', () => {
    assert.deepEqual([...chargerInitiated15to16.keys()].sort(), [
      'Authorize',
      'BootNotification',
      'DataTransfer',
      'DiagnosticsStatusNotification',
      'FirmwareStatusNotification',
      'Heartbeat',
      'MeterValues',
      'StartTransaction',
      'StatusNotification',
      'StopTransaction',
    ]);
  });
});
