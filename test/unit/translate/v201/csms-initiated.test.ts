import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csmsInitiated201to15, idleCall, NOT_SUPPORTED_201 } from './pair-15-201.js';
import { drive } from './drive.js';
import { csmsCtx, state, tx201 } from './helpers.js';

const op = (action: string) => csmsInitiated201to15.get(action)!;

describe('OCPP 2.0.1 CSMS -> 1.5 charger (docs/translation-201.md#csms-to-charger)', () => {
  it('recognised actions a 1.5 charger cannot do are NotSupported; no action is both', () => {
    for (const a of [
      'SetChargingProfile',
      'InstallCertificate',
      'SetDisplayMessage',
      'SetVariableMonitoring',
      'CustomerInformation',
      'GetTransactionStatus',
    ])
      assert.ok(NOT_SUPPORTED_201.has(a), a);
    for (const a of csmsInitiated201to15.keys()) assert.ok(!NOT_SUPPORTED_201.has(a), a);
  });

  it('RequestStartTransaction: idToken -> idTag, evseId -> connectorId; Accepted remembers the remoteStartId for the EVSE', () => {
    const c = csmsCtx();
    const d = drive(
      op('RequestStartTransaction'),
      {
        idToken: { idToken: 'TAG', type: 'ISO14443' },
        remoteStartId: 77,
        evseId: 2,
        chargingProfile: {
          id: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: 'Relative',
          chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }],
        },
      },
      state(),
      c,
    );
    assert.deepEqual(d.sent, [{ action: 'RemoteStartTransaction', request: { idTag: 'TAG', connectorId: 2 } }]);
    assert.deepEqual(d.result, { status: 'Accepted' });
    assert.deepEqual(d.state.remoteStarts, {
      '2': { remoteStartId: 77, idTag: 'TAG', at: '2024-05-01T12:00:00.000Z' },
    });
    assert.match(c.notes[0]!, /chargingProfile dropped/);
    const anyEvse = drive(
      op('RequestStartTransaction'),
      { idToken: { idToken: 'TAG', type: 'Central' }, remoteStartId: 5 },
      state(),
      csmsCtx(),
    );
    assert.deepEqual(Object.keys(anyEvse.state.remoteStarts!), ['*']);
    const rejected = drive(
      op('RequestStartTransaction'),
      { idToken: { idToken: 'TAG', type: 'ISO14443' }, remoteStartId: 5 },
      state(),
      csmsCtx(),
      () => ({ status: 'Rejected' }),
    );
    assert.deepEqual([rejected.result, rejected.state.remoteStarts], [{ status: 'Rejected' }, undefined]);
    const long = drive(
      op('RequestStartTransaction'),
      { idToken: { idToken: 'T'.repeat(21), type: 'eMAID' }, remoteStartId: 5 },
      state(),
      csmsCtx(),
    );
    assert.equal(long.result.status, 'Rejected');
    assert.deepEqual(long.sent, [], 'a token 1.5 cannot carry never reaches the charger');
  });

  it("RequestStopTransaction: the CSMS's id -> the charger's integer id; an unknown id is Rejected without the charger", () => {
    const s = state({ transactions: { '7': tx201() } });
    const d = drive(op('RequestStopTransaction'), { transactionId: 'tx-uuid-7' }, s, csmsCtx());
    assert.deepEqual(d.sent, [{ action: 'RemoteStopTransaction', request: { transactionId: 7 } }]);
    assert.equal(d.state.transactions['7']!.stopCause, 'Remote');
    const unknown = drive(op('RequestStopTransaction'), { transactionId: 'nope' }, s, csmsCtx());
    assert.deepEqual([unknown.result.status, unknown.sent], ['Rejected', []]);
  });

  it('Reset: Immediate is Hard; OnIdle is Soft when idle, Scheduled while a transaction is open; an EVSE reset is Rejected', () => {
    const open = state({ transactions: { '7': tx201() } });
    const hard = drive(op('Reset'), { type: 'Immediate' }, open, csmsCtx());
    assert.deepEqual(hard.sent, [{ action: 'Reset', request: { type: 'Hard' } }]);
    assert.equal(hard.state.transactions['7']!.stopCause, 'HardReset');
    assert.equal(hard.state.bootCause, 'RemoteReset');
    assert.deepEqual(drive(op('Reset'), { type: 'OnIdle' }, state(), csmsCtx()).sent, [
      { action: 'Reset', request: { type: 'Soft' } },
    ]);
    const scheduled = drive(op('Reset'), { type: 'OnIdle' }, open, csmsCtx());
    assert.deepEqual(
      [scheduled.result, scheduled.sent, scheduled.state.scheduledReset],
      [{ status: 'Scheduled' }, [], { at: '2024-05-01T12:00:00.000Z' }],
    );
    assert.equal(idleCall(scheduled.state), undefined, 'nothing owed while the transaction is open');
    const idle = idleCall({ ...scheduled.state, transactions: {} })!;
    assert.deepEqual([idle.chargerAction, idle.request], ['Reset', { type: 'Soft' }]);
    const after = idle.next({ ok: true, response: { status: 'Accepted' } })({ ...scheduled.state, transactions: {} });
    assert.deepEqual([after.scheduledReset, after.bootCause], [undefined, 'RemoteReset']);
    const evse = drive(op('Reset'), { type: 'Immediate', evseId: 1 }, state(), csmsCtx());
    assert.deepEqual([evse.result.status, evse.sent], ['Rejected', []]);
  });

  it('UnlockConnector: EVSE N connector 1 is 1.5 connector N; unknown connectors and ongoing transactions answered from state', () => {
    const d = drive(op('UnlockConnector'), { evseId: 2, connectorId: 1 }, state(), csmsCtx());
    assert.deepEqual(
      [d.sent, d.result],
      [[{ action: 'UnlockConnector', request: { connectorId: 2 } }], { status: 'Unlocked' }],
    );
    assert.deepEqual(
      drive(op('UnlockConnector'), { evseId: 2, connectorId: 1 }, state(), csmsCtx(), () => ({ status: 'Rejected' }))
        .result,
      { status: 'UnlockFailed' },
    );
    assert.deepEqual(drive(op('UnlockConnector'), { evseId: 1, connectorId: 2 }, state(), csmsCtx()).result, {
      status: 'UnknownConnector',
    });
    assert.deepEqual(drive(op('UnlockConnector'), { evseId: 0, connectorId: 1 }, state(), csmsCtx()).result, {
      status: 'UnknownConnector',
    });
    const busy = drive(
      op('UnlockConnector'),
      { evseId: 1, connectorId: 1 },
      state({ transactions: { '7': tx201() } }),
      csmsCtx(),
    );
    assert.deepEqual([busy.result, busy.sent], [{ status: 'OngoingAuthorizedTransaction' }, []]);
  });

  it('ChangeAvailability: no EVSE is connector 0; CancelReservation, ClearCache, GetLocalListVersion, DataTransfer', () => {
    assert.deepEqual(
      drive(op('ChangeAvailability'), { operationalStatus: 'Inoperative' }, state(), csmsCtx()).sent[0]!.request,
      { connectorId: 0, type: 'Inoperative' },
    );
    const one = drive(
      op('ChangeAvailability'),
      { operationalStatus: 'Operative', evse: { id: 2 } },
      state(),
      csmsCtx(),
      () => ({ status: 'Scheduled' }),
    );
    assert.deepEqual(
      [one.sent[0]!.request, one.result],
      [{ connectorId: 2, type: 'Operative' }, { status: 'Scheduled' }],
    );
    assert.equal(
      drive(
        op('ChangeAvailability'),
        { operationalStatus: 'Operative', evse: { id: 2, connectorId: 2 } },
        state(),
        csmsCtx(),
      ).result.status,
      'Rejected',
    );
    assert.deepEqual(drive(op('CancelReservation'), { reservationId: 4 }, state(), csmsCtx()).sent[0]!.request, {
      reservationId: 4,
    });
    assert.deepEqual(drive(op('ClearCache'), {}, state(), csmsCtx()).result, { status: 'Accepted' });
    assert.deepEqual(drive(op('GetLocalListVersion'), {}, state(), csmsCtx(), () => ({ listVersion: 7 })).result, {
      versionNumber: 7,
    });
    assert.deepEqual(drive(op('GetLocalListVersion'), {}, state(), csmsCtx(), () => ({ listVersion: -1 })).result, {
      versionNumber: 0,
    });
    const dt = drive(
      op('DataTransfer'),
      { vendorId: 'V', messageId: 'M', data: { a: [1] } },
      state(),
      csmsCtx(),
      () => ({ status: 'Accepted', data: 'ok' }),
    );
    assert.deepEqual(
      [dt.sent[0]!.request, dt.result],
      [
        { vendorId: 'V', messageId: 'M', data: '{"a":[1]}' },
        { status: 'Accepted', data: 'ok' },
      ],
    );
  });

  it('ReserveNow: id, expiry, tokens and EVSE in 1.5 names and WSDL order; tokens over 20 characters are Rejected', () => {
    const d = drive(
      op('ReserveNow'),
      {
        id: 3,
        expiryDateTime: '2024-05-01T14:00:00+02:00',
        idToken: { idToken: 'TAG', type: 'ISO14443' },
        groupIdToken: { idToken: 'GRP', type: 'Central' },
        evseId: 1,
        connectorType: 'cType2',
      },
      state(),
      csmsCtx(),
      () => ({ status: 'Occupied' }),
    );
    assert.deepEqual(d.sent[0]!.request, {
      connectorId: 1,
      expiryDate: '2024-05-01T12:00:00.000Z',
      idTag: 'TAG',
      parentIdTag: 'GRP',
      reservationId: 3,
    });
    assert.deepEqual(Object.keys(d.sent[0]!.request), [
      'connectorId',
      'expiryDate',
      'idTag',
      'parentIdTag',
      'reservationId',
    ]);
    assert.deepEqual(d.result, { status: 'Occupied' });
    assert.equal(
      drive(
        op('ReserveNow'),
        { id: 3, expiryDateTime: '2024-05-01T14:00:00Z', idToken: { idToken: 'T'.repeat(25), type: 'eMAID' } },
        state(),
        csmsCtx(),
      ).result.status,
      'Rejected',
    );
  });

  it('SendLocalList: entries in 1.5 terms; a token 1.5 cannot hold fails the list without the charger; HashError is Failed', () => {
    const list = {
      versionNumber: 4,
      updateType: 'Full',
      localAuthorizationList: [
        {
          idToken: { idToken: 'A', type: 'ISO14443' },
          idTokenInfo: { status: 'NotAtThisTime', groupIdToken: { idToken: 'G', type: 'Central' } },
        },
        { idToken: { idToken: 'B', type: 'ISO14443' } },
      ],
    };
    const d = drive(op('SendLocalList'), list, state(), csmsCtx());
    assert.deepEqual(d.sent[0]!.request, {
      updateType: 'Full',
      listVersion: 4,
      localAuthorisationList: [{ idTag: 'A', idTagInfo: { status: 'Blocked', parentIdTag: 'G' } }, { idTag: 'B' }],
    });
    assert.deepEqual(drive(op('SendLocalList'), list, state(), csmsCtx(), () => ({ status: 'HashError' })).result, {
      status: 'Failed',
    });
    const long = drive(
      op('SendLocalList'),
      { ...list, localAuthorizationList: [{ idToken: { idToken: 'X'.repeat(30), type: 'eMAID' } }] },
      state(),
      csmsCtx(),
    );
    assert.deepEqual([long.result.status, long.sent], ['Failed', []]);
  });

  it('UpdateFirmware: location and retrieve time, requestId remembered; a signed firmware is Rejected', () => {
    const d = drive(
      op('UpdateFirmware'),
      {
        requestId: 12,
        retries: 2,
        firmware: {
          location: 'https://fw/x.bin',
          retrieveDateTime: '2024-05-02T00:00:00Z',
          installDateTime: '2024-05-02T01:00:00Z',
        },
      },
      state(),
      csmsCtx(),
      () => ({}),
    );
    assert.deepEqual(d.sent[0]!.request, {
      retrieveDate: '2024-05-02T00:00:00.000Z',
      location: 'https://fw/x.bin',
      retries: 2,
    });
    assert.deepEqual(
      [d.result, d.state.firmware],
      [
        { status: 'Accepted' },
        { requestedAt: '2024-05-01T12:00:00.000Z', retrieveDate: '2024-05-02T00:00:00.000Z', requestId: 12 },
      ],
    );
    const signed = drive(
      op('UpdateFirmware'),
      { requestId: 1, firmware: { location: 'x', retrieveDateTime: '2024-05-02T00:00:00Z', signature: 'abc' } },
      state(),
      csmsCtx(),
    );
    assert.deepEqual([signed.result.status, signed.sent], ['Rejected', []]);
  });

  it('GetLog: DiagnosticsLog is GetDiagnostics with its requestId remembered; no file is Rejected; SecurityLog is Rejected', () => {
    const req = {
      logType: 'DiagnosticsLog',
      requestId: 9,
      log: { remoteLocation: 'ftp://up/', oldestTimestamp: '2024-04-01T00:00:00Z' },
    };
    const d = drive(op('GetLog'), req, state(), csmsCtx(), () => ({ fileName: 'diag.zip' }));
    assert.deepEqual(
      [d.sent[0]!.action, d.sent[0]!.request],
      ['GetDiagnostics', { location: 'ftp://up/', startTime: '2024-04-01T00:00:00.000Z' }],
    );
    assert.deepEqual(d.result, { status: 'Accepted', filename: 'diag.zip' });
    assert.equal(d.state.diagnostics?.requestId, 9);
    const none = drive(op('GetLog'), req, state(), csmsCtx(), () => ({}));
    assert.deepEqual([none.result.status, none.state.diagnostics], ['Rejected', undefined]);
    const security = drive(op('GetLog'), { ...req, logType: 'SecurityLog' }, state(), csmsCtx());
    assert.deepEqual([security.result.status, security.sent], ['Rejected', []]);
  });
});
