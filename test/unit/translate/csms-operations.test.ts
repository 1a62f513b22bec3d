import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OpenTransaction } from '../../../src/translate/charger-state.js';
import type { CsmsCallContext } from '../../../src/translate/csms-operation.js';
import { changeConfiguration, csmsInitiated16to15, getConfiguration, NOT_SUPPORTED_ACTIONS } from './pair-15-16.js';
import { check16 } from '../../../src/ocpp/v16/protocol.js';
import { state } from './helpers.js';

const ctx = (): CsmsCallContext => ({
  now: '2024-05-01T12:00:00.000Z',
  options: { celsiusUnit: 'Celcius', timezone: 'Z', bootRetryIntervalSec: 60 },
  gatewayKeys: { webSocketPingInterval: 30, supportedFeatureProfiles: 'Core,RemoteTrigger' },
  notes: [],
});
const op = (action: string) => csmsInitiated16to15.get(action)!;
const soapRequest = (action: string, request: object) => {
  const out = op(action).toSoap(request, state(), ctx());
  assert.equal(out.kind, 'soap');
  return out.kind === 'soap' ? out.request : undefined;
};
const tx = (extra: Partial<OpenTransaction> = {}): OpenTransaction => ({
  transactionId: 5,
  connectorId: 2,
  idTag: 'T',
  startedAt: 'x',
  idTagStatus: 'Accepted',
  ...extra,
});

describe('CSMS-initiated operations, 1.6J -> 1.5 SOAP and back (docs/translation.md#csms-to-charger)', () => {
  it('covers the fifteen ChargePointService operations and the emulated TriggerMessage; 1.6-only actions are refused', () => {
    const toCharger = [...csmsInitiated16to15.values()].filter((op) => op.chargerAction !== undefined);
    assert.equal(toCharger.length, 15);
    assert.deepEqual(
      [...csmsInitiated16to15.values()].filter((op) => op.chargerAction === undefined).map((op) => op.csmsAction),
      ['TriggerMessage'],
    );
    for (const a of [
      'SetChargingProfile',
      'ClearChargingProfile',
      'GetCompositeSchedule',
      'SignedUpdateFirmware',
      'GetLog',
    ])
      assert.ok(NOT_SUPPORTED_ACTIONS.has(a));
  });

  const sameShape: [string, object, object][] = [
    ['CancelReservation', { reservationId: 3 }, { status: 'Rejected' }],
    ['ChangeAvailability', { connectorId: 0, type: 'Operative' }, { status: 'Scheduled' }],
    ['ClearCache', {}, { status: 'Accepted' }],
    ['GetLocalListVersion', {}, { listVersion: -1 }],
    ['RemoteStopTransaction', { transactionId: 77 }, { status: 'Accepted' }],
    ['Reset', { type: 'Hard' }, { status: 'Rejected' }],
    ['DataTransfer', { vendorId: 'V', messageId: 'M', data: 'x' }, { status: 'UnknownMessageId', data: 'y' }],
  ];
  for (const [action, request, response] of sameShape) {
    it(`${action}: request and response field for field`, () => {
      assert.deepEqual(soapRequest(action, request), request);
      const result = op(action).fromSoap(response, request, ctx());
      assert.deepEqual(result, response);
      assert.ok(check16(action, 'conf', result).ok);
    });
  }

  it('RemoteStartTransaction drops chargingProfile and notes it', () => {
    const c = ctx();
    const out = op('RemoteStartTransaction').toSoap(
      { idTag: 'T', connectorId: 1, chargingProfile: { chargingProfileId: 1 } },
      state(),
      c,
    );
    assert.deepEqual(out, { kind: 'soap', request: { idTag: 'T', connectorId: 1 } });
    assert.match(c.notes[0]!, /chargingProfile dropped/);
  });

  it('ReserveNow, GetDiagnostics, UpdateFirmware send their fields in WSDL order with UTC dates', () => {
    assert.deepEqual(
      Object.keys(
        soapRequest('ReserveNow', {
          reservationId: 1,
          parentIdTag: 'P',
          idTag: 'T',
          expiryDate: '2024-05-01T14:00:00+02:00',
          connectorId: 0,
        })!,
      ),
      ['connectorId', 'expiryDate', 'idTag', 'parentIdTag', 'reservationId'],
    );
    const diag = soapRequest('GetDiagnostics', {
      retryInterval: 1,
      stopTime: '2024-05-02T00:00:00Z',
      retries: 2,
      startTime: '2024-05-01T00:00:00Z',
      location: 'ftp://x',
    })!;
    assert.deepEqual(diag, {
      location: 'ftp://x',
      startTime: '2024-05-01T00:00:00.000Z',
      stopTime: '2024-05-02T00:00:00.000Z',
      retries: 2,
      retryInterval: 1,
    });
    assert.deepEqual(Object.keys(diag), ['location', 'startTime', 'stopTime', 'retries', 'retryInterval']);
    assert.deepEqual(
      Object.keys(
        soapRequest('UpdateFirmware', {
          location: 'u',
          retrieveDate: '2024-05-01T00:00:00Z',
          retries: 1,
          retryInterval: 2,
        })!,
      ),
      ['retrieveDate', 'location', 'retries', 'retryInterval'],
    );
    assert.deepEqual(op('UpdateFirmware').fromSoap({}, {}, ctx()), {});
  });

  it('GetDiagnostics clamps fileName to 255 and records the outstanding upload', () => {
    const c = ctx();
    assert.equal(
      (op('GetDiagnostics').fromSoap({ fileName: 'f'.repeat(300) }, {}, c) as { fileName: string }).fileName.length,
      255,
    );
    const next = op('GetDiagnostics').reduce!(
      state(),
      { request: {}, soapRequest: {}, soapResponse: {}, result: { fileName: 'a.zip' } },
      c,
    );
    assert.deepEqual(next.diagnostics, { requestedAt: c.now, fileName: 'a.zip' });
  });

  it('SendLocalList: British spelling, no hash, and the status table with HashError -> Failed', () => {
    const request = {
      listVersion: 2,
      updateType: 'Differential',
      localAuthorizationList: [
        { idTag: 'A', idTagInfo: { status: 'Blocked', expiryDate: '2030-01-01T01:00:00+01:00' } },
      ],
    };
    assert.deepEqual(soapRequest('SendLocalList', request), {
      updateType: 'Differential',
      listVersion: 2,
      localAuthorisationList: [
        { idTag: 'A', idTagInfo: { status: 'Blocked', expiryDate: '2030-01-01T00:00:00.000Z' } },
      ],
    });
    assert.deepEqual(soapRequest('SendLocalList', { listVersion: 1, updateType: 'Full' }), {
      updateType: 'Full',
      listVersion: 1,
      localAuthorisationList: [],
    });
    const table: [string, string][] = [
      ['Accepted', 'Accepted'],
      ['Failed', 'Failed'],
      ['HashError', 'Failed'],
      ['NotSupported', 'NotSupported'],
      ['VersionMismatch', 'VersionMismatch'],
    ];
    for (const [from, to] of table)
      assert.deepEqual(op('SendLocalList').fromSoap({ status: from, hash: 'h' }, request, ctx()), { status: to });
  });

  it('UnlockConnector: Accepted -> Unlocked, Rejected -> UnlockFailed; an accepted unlock marks the transaction', () => {
    assert.deepEqual(op('UnlockConnector').fromSoap({ status: 'Accepted' }, { connectorId: 2 }, ctx()), {
      status: 'Unlocked',
    });
    assert.deepEqual(op('UnlockConnector').fromSoap({ status: 'Rejected' }, { connectorId: 2 }, ctx()), {
      status: 'UnlockFailed',
    });
    const s = state({ transactions: { '5': tx() } });
    const marked = op('UnlockConnector').reduce!(
      s,
      { request: { connectorId: 2 }, soapRequest: {}, soapResponse: {}, result: { status: 'Unlocked' } },
      ctx(),
    );
    assert.equal(marked.transactions['5']?.stopCause, 'UnlockCommand');
    const failed = op('UnlockConnector').reduce!(
      s,
      { request: { connectorId: 2 }, soapRequest: {}, soapResponse: {}, result: { status: 'UnlockFailed' } },
      ctx(),
    );
    assert.equal(failed.transactions['5']?.stopCause, undefined);
  });

  it('RemoteStopTransaction and Reset mark open transactions only when accepted', () => {
    const s = state({ transactions: { '5': tx(), '6': tx({ transactionId: 6, connectorId: 1 }) } });
    const remote = op('RemoteStopTransaction').reduce!(
      s,
      { request: { transactionId: 5 }, soapRequest: {}, soapResponse: {}, result: { status: 'Accepted' } },
      ctx(),
    );
    assert.deepEqual([remote.transactions['5']?.stopCause, remote.transactions['6']?.stopCause], ['Remote', undefined]);
    const soft = op('Reset').reduce!(
      remote,
      { request: { type: 'Soft' }, soapRequest: {}, soapResponse: {}, result: { status: 'Accepted' } },
      ctx(),
    );
    assert.deepEqual([soft.transactions['5']?.stopCause, soft.transactions['6']?.stopCause], ['Remote', 'SoftReset']);
    const rejected = op('Reset').reduce!(
      s,
      { request: { type: 'Hard' }, soapRequest: {}, soapResponse: {}, result: { status: 'Rejected' } },
      ctx(),
    );
    assert.equal(rejected, s);
  });
});

describe('gateway-owned configuration keys', () => {
  it('ChangeConfiguration: charger keys forwarded exactly as typed (docs/charger-quirks.md#q17-configuration-keys-with-odd-spelling)', () => {
    assert.deepEqual(changeConfiguration.toSoap({ key: 'HeartBeatInterval', value: ' 60 ' }, state(), ctx()), {
      kind: 'soap',
      request: { key: 'HeartBeatInterval', value: ' 60 ' },
    });
  });

  it('AuthorizationKey: 16-40 printable characters accepted as an effect, else Rejected; any key spelling', () => {
    assert.deepEqual(
      changeConfiguration.toSoap({ key: 'authorizationkey', value: '0123456789abcdef' }, state(), ctx()),
      {
        kind: 'answer',
        result: { status: 'Accepted' },
        effect: { kind: 'authorizationKey', value: '0123456789abcdef' },
      },
    );
    for (const bad of ['short', 'x'.repeat(41), 'has space in it 1234']) {
      assert.deepEqual(changeConfiguration.toSoap({ key: 'AuthorizationKey', value: bad }, state(), ctx()), {
        kind: 'answer',
        result: { status: 'Rejected' },
      });
    }
  });

  it('WebSocketPingInterval: 0 and positive accepted, negative or not a number Rejected; SupportedFeatureProfiles read-only', () => {
    assert.deepEqual(changeConfiguration.toSoap({ key: 'WebSocketPingInterval', value: '0' }, state(), ctx()), {
      kind: 'answer',
      result: { status: 'Accepted' },
      effect: { kind: 'pingInterval', seconds: 0 },
    });
    for (const bad of ['-1', 'ten', '1.5'])
      assert.deepEqual(changeConfiguration.toSoap({ key: 'WebSocketPingInterval', value: bad }, state(), ctx()), {
        kind: 'answer',
        result: { status: 'Rejected' },
      });
    assert.deepEqual(changeConfiguration.toSoap({ key: 'SupportedFeatureProfiles', value: 'Core' }, state(), ctx()), {
      kind: 'answer',
      result: { status: 'Rejected' },
    });
  });

  it('GetConfiguration: answers gateway keys itself, filters them out of the charger request, merges and clamps', () => {
    assert.deepEqual(getConfiguration.toSoap({ key: ['WebSocketPingInterval', 'AuthorizationKey'] }, state(), ctx()), {
      kind: 'answer',
      result: {
        configurationKey: [
          { key: 'WebSocketPingInterval', readonly: false, value: '30' },
          { key: 'AuthorizationKey', readonly: false },
        ],
      },
    });
    assert.deepEqual(
      getConfiguration.toSoap({ key: ['MeterValueSampleInterval', 'SupportedFeatureProfiles'] }, state(), ctx()),
      { kind: 'soap', request: { key: ['MeterValueSampleInterval'] } },
    );
    const c = ctx();
    const merged = getConfiguration.fromSoap(
      {
        configurationKey: [
          { key: 'K'.repeat(60), readonly: true, value: 'v'.repeat(600) },
          { key: 'AuthorizationKey', readonly: false, value: 'leaked?' },
        ],
        unknownKey: ['Nope'],
      },
      { key: ['MeterValueSampleInterval', 'SupportedFeatureProfiles'] },
      c,
    );
    assert.deepEqual(merged, {
      configurationKey: [
        { key: 'K'.repeat(50), readonly: true, value: 'v'.repeat(500) },
        { key: 'SupportedFeatureProfiles', readonly: true, value: 'Core,RemoteTrigger' },
      ],
      unknownKey: ['Nope'],
    });
    assert.equal(c.notes.length, 2);
    assert.ok(check16('GetConfiguration', 'conf', merged).ok);
  });
});
