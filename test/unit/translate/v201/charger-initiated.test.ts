import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizationStatusToModel as authorizationStatusTo15 } from '../../../../src/translate/csms201/charger-initiated/id-token.js';
import {
  authorize,
  bootNotification,
  chargerInitiated15to201,
  dataTransfer,
  firmwareStatusNotification,
  heartbeat,
  logStatusNotification,
} from './pair-15-201.js';
import type { AuthorizationStatus201 } from '../../../../src/ocpp/v201/types.js';
import { assertValid, ctx, state } from './helpers.js';

const call = <T>(out: { kind: string; payload?: T; action?: string }) => {
  assert.equal(out.kind, 'call');
  return out.payload as T;
};

describe('OCPP 1.5 -> 2.0.1, charger-initiated (docs/translation-201.md#charger-to-csms)', () => {
  it('covers the ten 1.5 operations, naming the 2.0.1 action apart where it differs', () => {
    assert.deepEqual([...chargerInitiated15to201.values()].map((op) => `${op.chargerAction}>${op.csmsAction}`).sort(), [
      'Authorize>Authorize',
      'BootNotification>BootNotification',
      'DataTransfer>DataTransfer',
      'DiagnosticsStatusNotification>LogStatusNotification',
      'FirmwareStatusNotification>FirmwareStatusNotification',
      'Heartbeat>Heartbeat',
      'MeterValues>MeterValues',
      'StartTransaction>TransactionEvent',
      'StatusNotification>StatusNotification',
      'StopTransaction>TransactionEvent',
    ]);
  });

  it('Authorize: idTag -> idToken typed ISO14443 by default, or as configured; an idTag over 20 characters is refused', () => {
    const payload = call(authorize.toCall({ idTag: 'ABC123' }, state(), ctx()));
    assert.deepEqual(payload, { idToken: { idToken: 'ABC123', type: 'ISO14443' } });
    assertValid('Authorize', 'req', payload);
    assert.deepEqual(call(authorize.toCall({ idTag: 'ABC123' }, state(), ctx({}, { idTokenType: 'KeyCode' }))), {
      idToken: { idToken: 'ABC123', type: 'KeyCode' },
    });
    assert.throws(() => authorize.toCall({ idTag: 'X'.repeat(21) }, state(), ctx()), /longer than 20/);
  });

  it('Authorize: idTokenInfo -> idTagInfo; the refusals 1.5 lacks are Blocked, Unknown is Invalid; group token is the parentIdTag', () => {
    const table: [AuthorizationStatus201, string][] = [
      ['Accepted', 'Accepted'],
      ['Blocked', 'Blocked'],
      ['ConcurrentTx', 'ConcurrentTx'],
      ['Expired', 'Expired'],
      ['Invalid', 'Invalid'],
      ['NoCredit', 'Blocked'],
      ['NotAllowedTypeEVSE', 'Blocked'],
      ['NotAtThisLocation', 'Blocked'],
      ['NotAtThisTime', 'Blocked'],
      ['Unknown', 'Invalid'],
    ];
    for (const [from, to] of table) assert.equal(authorizationStatusTo15(from), to, from);
    const res = {
      idTokenInfo: {
        status: 'Accepted' as const,
        cacheExpiryDateTime: '2024-06-01T00:00:00+02:00',
        groupIdToken: { idToken: 'GROUP', type: 'Central' },
        language1: 'en',
      },
    };
    assertValid('Authorize', 'conf', res);
    assert.deepEqual(authorize.toResponse(res, { idTag: 'T' }, ctx()), {
      idTagInfo: { status: 'Accepted', expiryDate: '2024-05-31T22:00:00.000Z', parentIdTag: 'GROUP' },
    });
    const c = ctx();
    assert.deepEqual(
      authorize.toResponse(
        { idTokenInfo: { status: 'Accepted', groupIdToken: { idToken: 'G'.repeat(30), type: 'Central' } } },
        { idTag: 'T' },
        c,
      ),
      { idTagInfo: { status: 'Accepted' } },
    );
    assert.match(c.notes[0]!, /groupIdToken longer than 20/);
  });

  it('Authorize: the answer is remembered per idTag for a later start without idTokenInfo', () => {
    const { state: after } = authorize.reduce!(
      state(),
      {
        request: { idTag: 'T' },
        call: { idToken: { idToken: 'T', type: 'ISO14443' } },
        result: { idTokenInfo: { status: 'Blocked' } },
        response: { idTagInfo: { status: 'Blocked' } },
      },
      ctx(),
    );
    assert.deepEqual(after.authorizations, { T: { status: 'Blocked' } });
  });

  const boot = {
    chargePointVendor: 'VendorCo',
    chargePointModel: 'ModelX',
    chargeBoxSerialNumber: 'BOX-1',
    firmwareVersion: '1.2.3',
    iccid: '8931',
    imsi: '2620',
    meterType: 'M',
    meterSerialNumber: 'MS',
  };

  it('BootNotification: chargingStation with modem; the charge box serial stands in for a missing charge point serial; reason Unknown', () => {
    const payload = call(bootNotification.toCall(boot, state(), ctx()));
    assert.deepEqual(payload, {
      chargingStation: {
        model: 'ModelX',
        vendorName: 'VendorCo',
        serialNumber: 'BOX-1',
        firmwareVersion: '1.2.3',
        modem: { iccid: '8931', imsi: '2620' },
      },
      reason: 'Unknown',
    });
    assertValid('BootNotification', 'req', payload);
    const bare = call(
      bootNotification.toCall(
        { chargePointVendor: 'V', chargePointModel: 'M', chargePointSerialNumber: 'CP-SER' },
        state(),
        ctx(),
      ),
    );
    assert.deepEqual(bare, {
      chargingStation: { model: 'M', vendorName: 'V', serialNumber: 'CP-SER' },
      reason: 'Unknown',
    });
  });

  it('BootNotification: RemoteReset after a relayed Reset, FirmwareUpdate after a relayed update; the cause is told once', () => {
    assert.equal(
      call<{ reason: string }>(bootNotification.toCall(boot, state({ bootCause: 'RemoteReset' }), ctx())).reason,
      'RemoteReset',
    );
    assert.equal(
      call<{ reason: string }>(bootNotification.toCall(boot, state({ bootCause: 'FirmwareUpdate' }), ctx())).reason,
      'FirmwareUpdate',
    );
    const downloaded = state({ firmware: { requestedAt: 'x', retrieveDate: 'x', downloaded: true, requestId: 4 } });
    assert.equal(call<{ reason: string }>(bootNotification.toCall(boot, downloaded, ctx())).reason, 'FirmwareUpdate');
    const accepted = { status: 'Accepted' as const, currentTime: '2024-05-01T12:00:00Z', interval: 300 };
    const { state: after } = bootNotification.reduce!(
      state({ bootCause: 'RemoteReset' }),
      { request: boot, call: {} as never, result: accepted, response: {} as never },
      ctx(),
    );
    assert.equal(after.bootCause, undefined);
    assert.equal(after.registration, 'Accepted');
    const pending = bootNotification.reduce!(
      state({ bootCause: 'RemoteReset' }),
      { request: boot, call: {} as never, result: { ...accepted, status: 'Pending' }, response: {} as never },
      ctx(),
    );
    assert.equal(pending.state.bootCause, 'RemoteReset', 'kept until the boot is accepted');
  });

  it('BootNotification: Pending and Rejected reach the charger as Rejected, with the retry interval', () => {
    const c = ctx();
    assert.deepEqual(
      bootNotification.toResponse({ status: 'Pending', currentTime: '2024-05-01T12:00:00Z', interval: 0 }, boot, c),
      { status: 'Rejected', currentTime: '2024-05-01T12:00:00.000Z', heartbeatInterval: 60 },
    );
    assert.match(c.notes[0]!, /Pending/);
    assert.deepEqual(
      bootNotification.toResponse({ status: 'Accepted', currentTime: '2024-05-01T12:00:00Z', interval: 120 }, boot, c),
      { status: 'Accepted', currentTime: '2024-05-01T12:00:00.000Z', heartbeatInterval: 120 },
    );
  });

  it('Heartbeat and DataTransfer: data stays a string, an answer that is not one comes back as JSON text', () => {
    assertValid('Heartbeat', 'req', call(heartbeat.toCall({}, state(), ctx())));
    assert.deepEqual(heartbeat.toResponse({ currentTime: '2024-05-01T14:00:00+02:00' }, {}, ctx()), {
      currentTime: '2024-05-01T12:00:00.000Z',
    });
    const payload = call(dataTransfer.toCall({ vendorId: 'com.v', messageId: 'M', data: '<x>1</x>' }, state(), ctx()));
    assert.deepEqual(payload, { vendorId: 'com.v', messageId: 'M', data: '<x>1</x>' });
    assertValid('DataTransfer', 'req', payload);
    assert.deepEqual(dataTransfer.toResponse({ status: 'Accepted', data: { a: 1 } }, { vendorId: 'v' }, ctx()), {
      status: 'Accepted',
      data: '{"a":1}',
    });
  });

  it('FirmwareStatusNotification carries the requestId of the UpdateFirmware; Installed explains the next boot', () => {
    const s = state({ firmware: { requestedAt: 'x', retrieveDate: 'x', requestId: 42 } });
    const payload = call(firmwareStatusNotification.toCall({ status: 'Downloaded' }, s, ctx()));
    assert.deepEqual(payload, { status: 'Downloaded', requestId: 42 });
    assertValid('FirmwareStatusNotification', 'req', payload);
    assert.deepEqual(call(firmwareStatusNotification.toCall({ status: 'Installed' }, state(), ctx())), {
      status: 'Installed',
    });
    const { state: after } = firmwareStatusNotification.reduce!(
      s,
      { request: { status: 'Installed' }, call: payload, result: {}, response: {} },
      ctx(),
    );
    assert.equal(after.bootCause, 'FirmwareUpdate');
    assert.equal(after.firmware, undefined);
  });

  it('DiagnosticsStatusNotification -> LogStatusNotification: UploadFailed is UploadFailure, with the GetLog requestId', () => {
    const s = state({ diagnostics: { requestedAt: 'x', requestId: 9 } });
    const failed = call(logStatusNotification.toCall({ status: 'UploadFailed' }, s, ctx()));
    assert.deepEqual(failed, { status: 'UploadFailure', requestId: 9 });
    assertValid('LogStatusNotification', 'req', failed);
    assert.deepEqual(call(logStatusNotification.toCall({ status: 'Uploaded' }, state(), ctx())), {
      status: 'Uploaded',
    });
  });
});
