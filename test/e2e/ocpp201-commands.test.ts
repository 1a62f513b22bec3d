import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NS } from '../../src/soap/namespaces.js';
import { ocpp15Soap } from '../../src/soap/dialects.js';
import { NodeSoapChargePoint, type RawChargePoint } from '../helpers/charge-points.js';
import { rawChargerSite } from '../helpers/raw-charger-site.js';
import { TestCsms, type RpcServerClient } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { SoapCharger } from '../helpers/soap-charger.js';
import { until } from '../helpers/wait.js';
import { P201, req, type Event } from '../helpers/ocpp201-session.js';

/**
 * OCPP 2.0.1 commands from the CSMS to 1.5 chargers (docs/translation-201.md): a strict ocpp-rpc 2.0.1 central system
 * calls every operation through the gateway on node-soap chargers and on raw chargers that answer as real ones do; every
 * CALLRESULT the gateway sends is validated against the official schemas.
 */

async function outcome(
  client: RpcServerClient,
  action: string,
  payload: object,
): Promise<{ result?: any; code?: string }> {
  try {
    return { result: await client.call(action, payload) };
  } catch (err) {
    return { code: (err as { rpcErrorCode?: string }).rpcErrorCode };
  }
}

/** A frame ocpp-rpc would refuse to send (unknown action, invalid payload), and the gateway's answer to it. */
function rawCall(client: RpcServerClient, id: string, action: string, payload: object): Promise<unknown[]> {
  return new Promise((resolve) => {
    client.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => {
      const frame = JSON.parse(message) as unknown[];
      if (!outbound && frame[1] === id) resolve(frame);
    });
    (client as unknown as { sendRaw(m: string): void }).sendRaw(JSON.stringify([2, id, action, payload]));
  });
}

describe('OCPP 2.0.1 CSMS -> charger: every operation against a node-soap charger', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  let cp: NodeSoapChargePoint;
  let charger: SoapCharger;
  let client: RpcServerClient;
  const identity = 'CP-201-CMD';
  const command = async (action: string, payload: object) => {
    const before = cp.received.length;
    const r = await outcome(client, action, payload);
    return { ...r, received: cp.received.slice(before) };
  };
  const callsAfter = (n: number, action: string) => csms.callsFor(identity, action).slice(n);

  before(async () => {
    csms = await new TestCsms(P201).start();
    cp = await new NodeSoapChargePoint().start();
    gw = await startGateway('embedded', csms.url, {
      csmsProtocol: P201,
      chargerTimeoutMs: 2_000,
      idTokenType: 'KeyCode',
    });
    charger = await SoapCharger.create(gw.soapUrl, identity, cp.url);
    await charger.call('BootNotification', req.boot);
    client = csms.clients.get(identity)!;
  });
  after(async () => {
    await gw.stop();
    await cp.stop();
    await csms.stop();
    assert.deepEqual(csms.schemaFailures, [], 'every CALL the CSMS received is valid OCPP 2.0.1');
  });

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
    await charger.call('FirmwareStatusNotification', { status: 'Downloaded' });
    assert.deepEqual(callsAfter(statuses, 'FirmwareStatusNotification')[0]!.payload, {
      status: 'Downloaded',
      requestId: 31,
    });
    const boots = csms.callsFor(identity, 'BootNotification').length;
    await charger.call('BootNotification', req.boot);
    assert.equal(callsAfter(boots, 'BootNotification')[0]!.payload.reason, 'FirmwareUpdate');
    await charger.call('FirmwareStatusNotification', { status: 'Installed' });
    const log = await command('GetLog', {
      logType: 'DiagnosticsLog',
      requestId: 32,
      log: { remoteLocation: 'ftp://logs.example/' },
    });
    assert.deepEqual(
      [log.result, log.received[0]!.operation],
      [{ status: 'Accepted', filename: 'diag-2024.zip' }, 'GetDiagnostics'],
    );
    await charger.call('DiagnosticsStatusNotification', { status: 'UploadFailed' });
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
    await charger.call('BootNotification', req.boot);
    assert.equal(callsAfter(boots, 'BootNotification')[0]!.payload.reason, 'RemoteReset');
    const tx = (await charger.call<{ transactionId: number }>('StartTransaction', req.start(1, 'IDLE-1', 0))).result
      .transactionId;
    assert.equal(
      (csms.callsFor(identity, 'TransactionEvent').at(-1)!.payload as Event).idToken.type,
      'KeyCode',
      'the configured idToken type',
    );
    const onIdle = await command('Reset', { type: 'OnIdle' });
    assert.deepEqual([onIdle.result, onIdle.received], [{ status: 'Scheduled' }, []]);
    const resets = cp.received.filter((r) => r.operation === 'Reset').length;
    await charger.call('StopTransaction', req.stop(tx, 10));
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

  it('GetBaseReport and GetReport: Accepted, then NotifyReport in chunks (seqNo counting, tbc until the last) from the configuration and the gateway', async () => {
    const keys = [
      'HeartBeatInterval',
      'ConnectionTimeOut',
      'ResetRetries',
      'LocalPreAuthorize',
      'LocalAuthorizeOffline',
      'AuthorizeRemoteTxRequests',
      'AuthorizationCacheEnabled',
      'LocalAuthListEnabled',
    ];
    cp.answers.GetConfiguration = () => ({
      configurationKey: [
        ...keys.map((key) => ({ key, readonly: false, value: key === 'HeartBeatInterval' ? '300' : 'true' })),
        { key: 'NumberOfConnectors', readonly: true, value: '3' },
      ],
      unknownKey: [],
    });
    const before = csms.callsFor(identity, 'NotifyReport').length;
    assert.deepEqual((await command('GetBaseReport', { requestId: 77, reportBase: 'FullInventory' })).result, {
      status: 'Accepted',
    });
    await until(() => callsAfter(before, 'NotifyReport').some((c) => c.payload.tbc === false), 'the last NotifyReport');
    const reports = callsAfter(before, 'NotifyReport').map((c) => c.payload);
    assert.ok(reports.length >= 2, `${reports.length} NotifyReports`);
    assert.deepEqual(
      reports.map((r) => [r.requestId, r.seqNo, r.tbc]),
      reports.map((_, i) => [77, i, i < reports.length - 1]),
    );
    const data = reports.flatMap((r) => r.reportData as any[]);
    assert.ok(
      data.some(
        (d) =>
          d.component.name === 'OCPPCommCtrlr' &&
          d.variable.name === 'HeartbeatInterval' &&
          d.variableAttribute[0].value === '300',
      ),
    );
    assert.ok(
      data.some(
        (d) =>
          d.component.name === 'SecurityCtrlr' &&
          d.variable.name === 'Identity' &&
          d.variableAttribute[0].value === identity,
      ),
    );
    assert.ok(
      data.some(
        (d) => d.component.name === 'Connector' && d.component.evse.id === 3 && d.variable.name === 'Available',
      ),
      'EVSEs from NumberOfConnectors',
    );
    const partial = csms.callsFor(identity, 'NotifyReport').length;
    assert.deepEqual(
      (await command('GetReport', { requestId: 78, componentVariable: [{ component: { name: 'AuthCtrlr' } }] })).result,
      { status: 'Accepted' },
    );
    await until(() => callsAfter(partial, 'NotifyReport').length === 1, 'the NotifyReport of GetReport');
    assert.deepEqual(
      (callsAfter(partial, 'NotifyReport')[0]!.payload.reportData as any[]).map((d) => d.variable.name),
      ['LocalPreAuthorize', 'LocalAuthorizeOffline', 'AuthorizeRemoteStart'],
    );
    assert.deepEqual((await command('GetReport', { requestId: 79, componentCriteria: ['Problem'] })).result, {
      status: 'NotSupported',
      statusInfo: { reasonCode: 'NoCriteria' },
    });
    delete cp.answers.GetConfiguration;
  });

  it('TriggerMessage and the status of a faulted connector, reported with a NotifyEvent', async () => {
    const events = csms.callsFor(identity, 'NotifyEvent').length;
    await charger.call('StatusNotification', req.status(1, 'Faulted', 'GroundFailure', { vendorErrorCode: 'E7' }));
    // The NotifyEvent follows the StatusNotification, after the charger has its answer.
    await until(() => callsAfter(events, 'NotifyEvent').length === 1, 'the NotifyEvent of the fault');
    const problem = (callsAfter(events, 'NotifyEvent')[0]!.payload as { eventData: Record<string, unknown>[] })
      .eventData[0]!;
    assert.deepEqual(
      [problem.component, problem.variable, problem.actualValue, problem.techCode, problem.techInfo],
      [
        { name: 'Connector', evse: { id: 1, connectorId: 1 } },
        { name: 'Problem' },
        'true',
        'GroundFailure',
        'vendorErrorCode E7',
      ],
    );
    const statuses = csms.callsFor(identity, 'StatusNotification').length;
    assert.deepEqual(
      (await command('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1 } })).result,
      { status: 'Accepted' },
    );
    await until(() => callsAfter(statuses, 'StatusNotification').length === 1, 'the triggered StatusNotification');
    assert.equal(callsAfter(statuses, 'StatusNotification')[0]!.payload.connectorStatus, 'Faulted');
    assert.deepEqual(
      (await command('TriggerMessage', { requestedMessage: 'TransactionEvent' })).result,
      { status: 'Rejected' },
      'no open transaction',
    );
    const tx = (await charger.call<{ transactionId: number }>('StartTransaction', req.start(2, 'TRG', 0))).result
      .transactionId;
    assert.deepEqual(
      (await command('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 2 } })).result,
      { status: 'Accepted' },
    );
    await until(
      () => csms.callsFor(identity, 'TransactionEvent').at(-1)!.payload.triggerReason === 'Trigger',
      'the triggered TransactionEvent',
    );
    await charger.call('StopTransaction', req.stop(tx, 5));
    const list = csms
      .callsFor(identity, 'TransactionEvent')
      .map((c) => c.payload as Event)
      .slice(-3);
    assert.deepEqual(
      list.map((e) => [e.eventType, e.seqNo, e.triggerReason]),
      [
        ['Started', 0, 'Authorized'],
        ['Updated', 1, 'Trigger'],
        ['Ended', 2, 'ChargingStateChanged'],
      ],
    );
  });

  it('NotSupported for what a 1.5 charger cannot do, NotImplemented for an unknown action, 2.0.1 codes for a malformed CALL', async () => {
    for (const [action, payload] of [
      [
        'SetChargingProfile',
        {
          evseId: 1,
          chargingProfile: {
            id: 1,
            stackLevel: 0,
            chargingProfilePurpose: 'TxDefaultProfile',
            chargingProfileKind: 'Absolute',
            chargingSchedule: [
              { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
            ],
          },
        },
      ],
      ['GetInstalledCertificateIds', {}],
      [
        'SetDisplayMessage',
        { message: { id: 1, priority: 'NormalCycle', message: { format: 'UTF8', content: 'hi' } } },
      ],
      ['GetTransactionStatus', {}],
    ] as [string, object][]) {
      assert.equal((await command(action, payload)).code, 'NotSupported', action);
    }
    assert.deepEqual((await rawCall(client, 'raw-unknown', 'FlyToTheMoon', {})).slice(0, 3), [
      4,
      'raw-unknown',
      'NotImplemented',
    ]);
    assert.deepEqual((await rawCall(client, 'raw-missing', 'Reset', {})).slice(0, 3), [
      4,
      'raw-missing',
      'OccurrenceConstraintViolation',
    ]);
    assert.deepEqual((await rawCall(client, 'raw-type', 'Reset', { type: 7 })).slice(0, 3), [
      4,
      'raw-type',
      'TypeConstraintViolation',
    ]);
  });
});

const soap12 = (body: string, header = '') =>
  `<?xml version="1.0"?><s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}" xmlns:cp="${ocpp15Soap.cpNamespace}">${header}<s:Body>${body}</s:Body></s:Envelope>`;

describe('OCPP 2.0.1 CSMS -> charger against the response envelopes real chargers send (docs/charger-quirks.md)', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  let cp: RawChargePoint;
  let client: RpcServerClient;
  const identity = 'CP-201-RAW';

  before(async () => {
    ({ csms, cp, gw, client } = await rawChargerSite(identity, 'embedded', { chargerTimeoutMs: 1_000 }, P201));
  });
  after(async () => {
    await gw.stop();
    await cp.stop();
    await csms.stop();
    assert.deepEqual(csms.schemaFailures, []);
  });

  it('no Header, odd RelatesTo and To, any prefix (Q1, Q3, Q4, Q8): the 2.0.1 result is the same', async () => {
    for (const body of [
      soap12('<cp:resetResponse><cp:status>Accepted</cp:status></cp:resetResponse>'),
      soap12(
        '<resetResponse xmlns="urn://Ocpp/Cp/2012/06/"><status>Accepted</status></resetResponse>',
        `<s:Header><a:RelatesTo>not-a-uri 42</a:RelatesTo><a:To>${gw.soapUrl}</a:To></s:Header>`,
      ),
      soap12(
        '<ns1:resetResponse xmlns:ns1="urn://Ocpp/Cp/2012/06/"><ns1:status>Accepted</ns1:status></ns1:resetResponse>',
      ),
    ]) {
      cp.answer = () => ({ body });
      assert.deepEqual((await outcome(client, 'Reset', { type: 'Immediate' })).result, { status: 'Accepted' });
    }
  });

  it('a configuration with odd key spelling and nil values (Q12, Q17) answers GetVariables', async () => {
    cp.answer = () => ({
      body: soap12(
        '<ns1:getConfigurationResponse xmlns:ns1="urn://Ocpp/Cp/2012/06/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
          '<ns1:configurationKey><ns1:key>HEARTBEATINTERVAL</ns1:key><ns1:readonly>false</ns1:readonly><ns1:value>900</ns1:value></ns1:configurationKey>' +
          '<ns1:configurationKey><ns1:key>ConnectionTimeOut</ns1:key><ns1:readonly>true</ns1:readonly><ns1:value xsi:nil="true"/></ns1:configurationKey>' +
          '</ns1:getConfigurationResponse>',
      ),
    });
    const r = await outcome(client, 'GetVariables', {
      getVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
        { component: { name: 'TxCtrlr' }, variable: { name: 'EVConnectionTimeOut' } },
      ],
    });
    assert.deepEqual(
      r.result.getVariableResult.map((v: any) => [v.attributeStatus, v.attributeValue]),
      [
        ['Accepted', '900'],
        ['Accepted', undefined],
      ],
    );
  });

  it('charger SOAP Faults become CALLERRORs in the 2.0.1 spelling', async () => {
    const fault = (code: string, subcode: string) =>
      soap12(
        `<s:Fault><s:Code><s:Value>s:${code}</s:Value><s:Subcode><s:Value>cp:${subcode}</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">no</s:Text></s:Reason></s:Fault>`,
      );
    for (const [code, subcode, expected] of [
      ['Sender', 'ProtocolError', 'FormatViolation'],
      ['Sender', 'SecurityError', 'SecurityError'],
      ['Receiver', 'NotSupported', 'NotSupported'],
      ['Receiver', 'InternalError', 'InternalError'],
    ] as const) {
      cp.answer = () => ({ status: code === 'Sender' ? 400 : 500, body: fault(code, subcode) });
      assert.equal((await outcome(client, 'ClearCache', {})).code, expected, `${code}/${subcode}`);
    }
    cp.answer = () => ({ hang: true });
    assert.equal((await outcome(client, 'ClearCache', {})).code, 'GenericError', 'a charger that does not answer');
  });
});
