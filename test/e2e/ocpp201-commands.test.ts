import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandSite, type Event, req } from '../helpers/ocpp201-session.js';
import { until } from '../helpers/wait.js';

/**
 * OCPP 2.0.1 commands from the CSMS to 1.5 chargers (docs/translation-201.md): a strict ocpp-rpc 2.0.1 central system
 * calls the operations through the gateway on a node-soap charger; every CALLRESULT the gateway sends is validated
 * against the official schemas. Here: the plain commands, firmware and logs, Reset, and the variables.
 */

describe('OCPP 2.0.1 CSMS -> charger: every operation against a node-soap charger', () => {
  const site = commandSite('CP-201-CMD');
  const { identity, csms, cp, command, callsAfter } = site;

  it('ChangeAvailability, CancelReservation, ClearCache, GetLocalListVersion, DataTransfer, ReserveNow, SendLocalList, UnlockConnector', async () => {
    const cases: [string, object, string, object, object][] = [
      [
        'ChangeAvailability',
        { operationalStatus: 'Inoperative', evse: { id: 2 } },
        'ChangeAvailability',
        { connectorId: 2, type: 'Inoperative' },
        { status: 'Accepted' },
      ],
      [
        'ChangeAvailability',
        { operationalStatus: 'Operative' },
        'ChangeAvailability',
        { connectorId: 0, type: 'Operative' },
        { status: 'Accepted' },
      ],
      ['CancelReservation', { reservationId: 5 }, 'CancelReservation', { reservationId: 5 }, { status: 'Accepted' }],
      ['ClearCache', {}, 'ClearCache', {}, { status: 'Accepted' }],
      ['GetLocalListVersion', {}, 'GetLocalListVersion', {}, { versionNumber: 7 }],
      [
        'DataTransfer',
        { vendorId: 'com.v', messageId: 'Ping', data: { n: 1 } },
        'DataTransfer',
        { vendorId: 'com.v', messageId: 'Ping', data: '{"n":1}' },
        { status: 'Accepted', data: 'ok' },
      ],
      [
        'ReserveNow',
        {
          id: 9,
          expiryDateTime: '2024-06-01T18:00:00.000Z',
          idToken: { idToken: 'RES-1', type: 'ISO14443' },
          evseId: 1,
        },
        'ReserveNow',
        { connectorId: 1, expiryDate: '2024-06-01T18:00:00.000Z', idTag: 'RES-1', reservationId: 9 },
        { status: 'Accepted' },
      ],
      [
        'SendLocalList',
        {
          versionNumber: 3,
          updateType: 'Full',
          localAuthorizationList: [
            { idToken: { idToken: 'A', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } },
          ],
        },
        'SendLocalList',
        {
          updateType: 'Full',
          listVersion: 3,
          localAuthorisationList: [{ idTag: 'A', idTagInfo: { status: 'Accepted' } }],
        },
        { status: 'Accepted' },
      ],
      ['UnlockConnector', { evseId: 1, connectorId: 1 }, 'UnlockConnector', { connectorId: 1 }, { status: 'Unlocked' }],
    ];
    for (const [action, payload, operation, args, expected] of cases) {
      const { result, received } = await command(action, payload);
      assert.deepEqual(result, expected, action);
      assert.deepEqual(
        received.map((r) => [r.operation, r.args]),
        [[operation, args]],
        action,
      );
    }
  });

  it('UpdateFirmware and GetLog: the requestIds come back with the status notifications; the boot after an update says FirmwareUpdate', async () => {
    const fw = await command('UpdateFirmware', {
      requestId: 31,
      retries: 1,
      firmware: { location: 'https://fw.example/v4.bin', retrieveDateTime: '2024-06-01T00:00:00.000Z' },
    });
    assert.deepEqual(
      [fw.result, fw.received[0]!.args],
      [
        { status: 'Accepted' },
        { retrieveDate: '2024-06-01T00:00:00.000Z', location: 'https://fw.example/v4.bin', retries: 1 },
      ],
    );
    const statuses = csms.callsFor(identity, 'FirmwareStatusNotification').length;
    await site.charger.call('FirmwareStatusNotification', { status: 'Downloaded' });
    assert.deepEqual(callsAfter(statuses, 'FirmwareStatusNotification')[0]!.payload, {
      status: 'Downloaded',
      requestId: 31,
    });
    const boots = csms.callsFor(identity, 'BootNotification').length;
    await site.charger.call('BootNotification', req.boot);
    assert.equal(callsAfter(boots, 'BootNotification')[0]!.payload.reason, 'FirmwareUpdate');
    await site.charger.call('FirmwareStatusNotification', { status: 'Installed' });
    const log = await command('GetLog', {
      logType: 'DiagnosticsLog',
      requestId: 32,
      log: { remoteLocation: 'ftp://logs.example/' },
    });
    assert.deepEqual(
      [log.result, log.received[0]!.operation],
      [{ status: 'Accepted', filename: 'diag-2024.zip' }, 'GetDiagnostics'],
    );
    await site.charger.call('DiagnosticsStatusNotification', { status: 'UploadFailed' });
    assert.deepEqual(csms.callsFor(identity, 'LogStatusNotification').at(-1)!.payload, {
      status: 'UploadFailure',
      requestId: 32,
    });
    assert.deepEqual(
      (await command('GetLog', { logType: 'SecurityLog', requestId: 33, log: { remoteLocation: 'ftp://x/' } }))
        .received,
      [],
    );
  });

  it('Reset: Immediate is Hard and the next boot says RemoteReset; OnIdle during a transaction is Scheduled and sent as Soft once it ends', async () => {
    const hard = await command('Reset', { type: 'Immediate' });
    assert.deepEqual([hard.result, hard.received[0]!.args], [{ status: 'Accepted' }, { type: 'Hard' }]);
    const boots = csms.callsFor(identity, 'BootNotification').length;
    await site.charger.call('BootNotification', req.boot);
    assert.equal(callsAfter(boots, 'BootNotification')[0]!.payload.reason, 'RemoteReset');
    const tx = (await site.charger.call<{ transactionId: number }>('StartTransaction', req.start(1, 'IDLE-1', 0)))
      .result.transactionId;
    assert.equal(
      (csms.callsFor(identity, 'TransactionEvent').at(-1)!.payload as Event).idToken.type,
      'KeyCode',
      'the configured idToken type',
    );
    const onIdle = await command('Reset', { type: 'OnIdle' });
    assert.deepEqual([onIdle.result, onIdle.received], [{ status: 'Scheduled' }, []]);
    const resets = cp.received.filter((r) => r.operation === 'Reset').length;
    await site.charger.call('StopTransaction', req.stop(tx, 10));
    await until(
      () => cp.received.filter((r) => r.operation === 'Reset').length > resets,
      'the scheduled reset to reach the charger once it is idle',
      10_000,
    );
    assert.deepEqual(cp.last('Reset')!.args, { type: 'Soft' });
  });

  it('GetVariables and SetVariables over the charger configuration: several ChangeConfigurations, keys in the charger spelling', async () => {
    cp.answers.GetConfiguration = () => ({
      configurationKey: [
        { key: 'HeartBeatInterval', readonly: false, value: '300' },
        { key: 'MeterValueSampleInterval', readonly: false, value: '60' },
        { key: 'NumberOfConnectors', readonly: true, value: '2' },
      ],
      unknownKey: [],
    });
    const get = await command('GetVariables', {
      getVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
        { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' } },
        { component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'Available' } },
        { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'Enabled' } },
      ],
    });
    assert.deepEqual(
      get.result.getVariableResult.map((r: any) => [r.attributeStatus, r.attributeValue]),
      [
        ['Accepted', '300'],
        ['Accepted', '60'],
        ['Accepted', 'true'],
        ['UnknownComponent', undefined],
      ],
    );
    const set = await command('SetVariables', {
      setVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '120' },
        { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '30' },
        { component: { name: 'AuthCtrlr' }, variable: { name: 'LocalPreAuthorize' }, attributeValue: 'true' },
      ],
    });
    assert.deepEqual(
      set.result.setVariableResult.map((r: any) => r.attributeStatus),
      ['Accepted', 'Accepted', 'UnknownVariable'],
    );
    assert.deepEqual(
      set.received.map((r) => [r.operation, r.args]),
      [
        ['GetConfiguration', {}],
        ['ChangeConfiguration', { key: 'HeartBeatInterval', value: '120' }],
        ['ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '30' }],
      ],
    );
    delete cp.answers.GetConfiguration;
  });
});
