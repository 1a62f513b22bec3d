import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NS } from '../../src/soap/namespaces.js';
import { child } from '../../src/soap/xml.js';
import { TestCsms, type RpcServerClient } from '../helpers/csms-peer.js';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
import { QUEUE_MODES, startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';
import { ocpp15Soap } from '../../src/soap/dialects.js';

const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';

/** Element local names of the charger request body, in document order. */
const bodyOrder = (parsed: ReturnType<typeof child>) => parsed?.children.map((c) => c.name);

for (const mode of QUEUE_MODES) {
  describe(`CSMS -> charger: every CSMS-initiated operation reaches the SOAP charger and comes back (${mode} queue)`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;
    let cp: NodeSoapChargePoint;
    let csmsSide: RpcServerClient;
    const identity = `CP-CMD-${mode}`;
    const logLines: string[] = [];

    before(async () => {
      csms = await new TestCsms().start();
      cp = await new NodeSoapChargePoint().start();
      gw = await startGateway(
        mode,
        csms.url,
        { chargerTimeoutMs: 1_500, publicUrl: 'http://gw.test:8080/CentralSystemService' },
        undefined,
        logLines,
      );
      // The charger boots with its callback address in wsa:From; that opens its WebSocket to the CSMS.
      const boot = await post(
        gw.soapUrl,
        envelope(
          '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>',
          { identity, from: cp.url },
        ),
      );
      assertSoapResponse(boot, { action: '/BootNotificationResponse', relatesTo: RELATES });
      csmsSide = csms.clients.get(identity)!;
      assert.ok(csmsSide, 'charger connected upstream');
    });
    after(async () => {
      await gw.stop();
      await cp.stop();
      await csms.stop();
    });

    /** Calls from the CSMS (ocpp-rpc strict mode validates our CALLRESULT) and returns it with what the charger saw. */
    async function command(action: string, payload: object) {
      const before = cp.received.length;
      const result = await csmsSide.call(action, payload);
      const received = cp.received.slice(before);
      return { result, received };
    }

    it('outbound headers: chargeBoxIdentity (Cp), Action, MessageID, To, From = PUBLIC_URL, ReplyTo anonymous; SOAP 1.2', async () => {
      const { received } = await command('ClearCache', {});
      const call = received[0]!;
      assert.equal(call.contentType.split(';')[0], 'application/soap+xml');
      assert.equal(call.parsed.ns, NS.soap12);
      const header = child(call.parsed, 'Header', NS.soap12)!;
      const h = (name: string, ns: string) => child(header, name, ns);
      assert.equal(h('chargeBoxIdentity', ocpp15Soap.cpNamespace)?.text, identity);
      assert.equal(h('Action', NS.wsa)?.text, '/ClearCache');
      assert.match(h('MessageID', NS.wsa)?.text ?? '', /^urn:uuid:[0-9a-f-]{36}$/);
      assert.equal(h('To', NS.wsa)?.text, cp.url);
      assert.equal(child(h('From', NS.wsa)!, 'Address', NS.wsa)?.text, 'http://gw.test:8080/CentralSystemService');
      assert.equal(
        child(h('ReplyTo', NS.wsa)!, 'Address', NS.wsa)?.text,
        'http://www.w3.org/2005/08/addressing/anonymous',
      );
      const body = child(call.parsed, 'Body', NS.soap12)!.children[0]!;
      assert.deepEqual([body.ns, body.name], [ocpp15Soap.cpNamespace, 'clearCacheRequest']);
    });

    const simple: [string, object, object, string][] = [
      ['CancelReservation', { reservationId: 5 }, { status: 'Accepted' }, 'cancelReservationRequest'],
      [
        'ChangeAvailability',
        { connectorId: 1, type: 'Inoperative' },
        { status: 'Accepted' },
        'changeAvailabilityRequest',
      ],
      ['ClearCache', {}, { status: 'Accepted' }, 'clearCacheRequest'],
      ['GetLocalListVersion', {}, { listVersion: 7 }, 'getLocalListVersionRequest'],
      ['Reset', { type: 'Soft' }, { status: 'Accepted' }, 'resetRequest'],
      ['RemoteStopTransaction', { transactionId: 99 }, { status: 'Accepted' }, 'remoteStopTransactionRequest'],
      [
        'DataTransfer',
        { vendorId: 'com.vendor', messageId: 'Ping', data: '{"a":1}' },
        { status: 'Accepted', data: 'ok' },
        'dataTransferRequest',
      ],
    ];
    for (const [action, payload, expected, element] of simple) {
      it(`${action}: fields 1:1 both ways`, async () => {
        const { result, received } = await command(action, payload);
        assert.deepEqual(result, expected);
        assert.equal(received.length, 1);
        assert.deepEqual(received[0]!.args, payload);
        assert.equal(child(received[0]!.parsed, 'Body', NS.soap12)!.children[0]!.name, element);
      });
    }

    it('ChangeConfiguration: key and value exactly as typed (docs/charger-quirks.md#q17-configuration-keys-with-odd-spelling), status back', async () => {
      cp.answers.ChangeConfiguration = () => ({ status: 'NotSupported' });
      const { result, received } = await command('ChangeConfiguration', { key: 'HeartBeatInterval', value: '120' });
      assert.deepEqual(result, { status: 'NotSupported' });
      assert.deepEqual(received[0]!.args, { key: 'HeartBeatInterval', value: '120' });
      delete cp.answers.ChangeConfiguration;
    });

    it('GetConfiguration: charger keys forwarded, gateway keys merged in, never the AuthorizationKey value', async () => {
      const { result, received } = await command('GetConfiguration', {});
      assert.deepEqual(received[0]!.args, {});
      assert.deepEqual(result, {
        configurationKey: [
          { key: 'HeartBeatInterval', readonly: false, value: '300' },
          { key: 'AuthorizationKey', readonly: false },
          { key: 'WebSocketPingInterval', readonly: false, value: '0' },
          {
            key: 'SupportedFeatureProfiles',
            readonly: true,
            value: 'Core,FirmwareManagement,LocalAuthListManagement,Reservation,RemoteTrigger',
          },
        ],
      });
      const partial = await command('GetConfiguration', { key: ['HeartBeatInterval', 'SupportedFeatureProfiles'] });
      assert.deepEqual(partial.received[0]!.args, { key: ['HeartBeatInterval'] });
      const own = await command('GetConfiguration', { key: ['WebSocketPingInterval'] });
      assert.equal(own.received.length, 0, 'gateway-owned keys are answered without the charger');
      assert.deepEqual(own.result, {
        configurationKey: [{ key: 'WebSocketPingInterval', readonly: false, value: '0' }],
      });
    });

    it('GetDiagnostics: WSDL order location, startTime, stopTime, retries, retryInterval; fileName back', async () => {
      const { result, received } = await command('GetDiagnostics', {
        retryInterval: 30,
        stopTime: '2024-05-02T00:00:00.000Z',
        retries: 3,
        startTime: '2024-05-01T00:00:00.000Z',
        location: 'ftp://diag.example/upload',
      });
      assert.deepEqual(result, { fileName: 'diag-2024.zip' });
      assert.deepEqual(bodyOrder(child(received[0]!.parsed, 'Body', NS.soap12)!.children[0]), [
        'location',
        'startTime',
        'stopTime',
        'retries',
        'retryInterval',
      ]);
    });

    it('UpdateFirmware: WSDL order retrieveDate, location, retries, retryInterval; the empty 1.5 response becomes {}', async () => {
      const { result, received } = await command('UpdateFirmware', {
        location: 'https://fw.example/v2.bin',
        retries: 2,
        retrieveDate: '2024-05-01T00:00:00.000Z',
        retryInterval: 60,
      });
      assert.deepEqual(result, {});
      assert.deepEqual(bodyOrder(child(received[0]!.parsed, 'Body', NS.soap12)!.children[0]), [
        'retrieveDate',
        'location',
        'retries',
        'retryInterval',
      ]);
    });

    it('ReserveNow: WSDL order connectorId, expiryDate, idTag, parentIdTag, reservationId; every status 1:1', async () => {
      for (const status of ['Accepted', 'Faulted', 'Occupied', 'Rejected', 'Unavailable']) {
        cp.answers.ReserveNow = () => ({ status });
        const { result, received } = await command('ReserveNow', {
          reservationId: 8,
          parentIdTag: 'P',
          idTag: 'T',
          expiryDate: '2024-05-01T18:00:00.000Z',
          connectorId: 2,
        });
        assert.deepEqual(result, { status });
        assert.deepEqual(bodyOrder(child(received[0]!.parsed, 'Body', NS.soap12)!.children[0]), [
          'connectorId',
          'expiryDate',
          'idTag',
          'parentIdTag',
          'reservationId',
        ]);
      }
      delete cp.answers.ReserveNow;
    });

    it('RemoteStartTransaction: idTag then connectorId; chargingProfile dropped', async () => {
      const { result, received } = await command('RemoteStartTransaction', {
        connectorId: 1,
        idTag: 'REMOTE-1',
        chargingProfile: {
          chargingProfileId: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: 'Absolute',
          chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
        },
      });
      assert.deepEqual(result, { status: 'Accepted' });
      assert.deepEqual(received[0]!.args, { idTag: 'REMOTE-1', connectorId: 1 });
      assert.deepEqual(bodyOrder(child(received[0]!.parsed, 'Body', NS.soap12)!.children[0]), ['idTag', 'connectorId']);
      assert.doesNotMatch(received[0]!.rawXml, /chargingProfile/);
    });

    it('SendLocalList: localAuthorisationList (1.5 spelling), no hash; HashError -> Failed', async () => {
      const payload = {
        listVersion: 3,
        updateType: 'Full',
        localAuthorizationList: [
          { idTag: 'A', idTagInfo: { status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: 'P' } },
          { idTag: 'B' },
        ],
      };
      const { result, received } = await command('SendLocalList', payload);
      assert.deepEqual(result, { status: 'Accepted' });
      const body = child(received[0]!.parsed, 'Body', NS.soap12)!.children[0]!;
      assert.deepEqual(bodyOrder(body), [
        'updateType',
        'listVersion',
        'localAuthorisationList',
        'localAuthorisationList',
      ]);
      assert.deepEqual(bodyOrder(body.children[2]), ['idTag', 'idTagInfo']);
      assert.deepEqual(bodyOrder(body.children[2]!.children[1]), ['status', 'expiryDate', 'parentIdTag']);
      for (const [status15, status16] of [
        ['HashError', 'Failed'],
        ['VersionMismatch', 'VersionMismatch'],
        ['NotSupported', 'NotSupported'],
        ['Failed', 'Failed'],
      ]) {
        cp.answers.SendLocalList = () => ({ status: status15 });
        assert.deepEqual((await command('SendLocalList', payload)).result, { status: status16 });
      }
      delete cp.answers.SendLocalList;
    });

    it('UnlockConnector: Accepted -> Unlocked, Rejected -> UnlockFailed', async () => {
      assert.deepEqual((await command('UnlockConnector', { connectorId: 1 })).result, { status: 'Unlocked' });
      cp.answers.UnlockConnector = () => ({ status: 'Rejected' });
      assert.deepEqual((await command('UnlockConnector', { connectorId: 1 })).result, { status: 'UnlockFailed' });
      delete cp.answers.UnlockConnector;
    });

    it('StopTransaction reason comes from the command the gateway relayed: Remote, UnlockCommand, HardReset', async () => {
      const start = (connector: number) =>
        post(
          gw.soapUrl,
          envelope(
            `<cs:startTransactionRequest><cs:connectorId>${connector}</cs:connectorId><cs:idTag>T</cs:idTag><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>`,
            { identity },
          ),
        );
      const stop = (tx: number) =>
        post(
          gw.soapUrl,
          envelope(
            `<cs:stopTransactionRequest><cs:transactionId>${tx}</cs:transactionId><cs:timestamp>2024-05-01T13:00:00Z</cs:timestamp><cs:meterStop>10</cs:meterStop></cs:stopTransactionRequest>`,
            { identity },
          ),
        );
      const reasonOf = (tx: number) =>
        csms.callsFor(identity, 'StopTransaction').find((c) => c.payload.transactionId === tx)?.payload.reason;
      await start(1); // transactionId 1001 from the test CSMS
      await command('RemoteStopTransaction', { transactionId: 1001 });
      await stop(1001);
      assert.equal(reasonOf(1001), 'Remote');
      await start(2); // 1002
      await command('UnlockConnector', { connectorId: 2 });
      await stop(1002);
      assert.equal(reasonOf(1002), 'UnlockCommand');
      await start(3); // 1003
      await command('Reset', { type: 'Hard' });
      await stop(1003);
      assert.equal(reasonOf(1003), 'HardReset');
    });

    it('gateway-owned keys: AuthorizationKey changes the upstream credentials, is never forwarded, logged or returned', async () => {
      const secret = 'Ab12Cd34Ef56Gh78Ij90';
      const before = cp.received.length;
      const { result } = await command('ChangeConfiguration', { key: 'AuthorizationKey', value: secret });
      assert.deepEqual(result, { status: 'Accepted' });
      assert.equal(cp.received.length, before, 'not forwarded to the charger');
      // The gateway reconnects with the new password after answering.
      await until(
        () => csms.passwords.get(identity) === secret,
        'the gateway to reconnect with the new AuthorizationKey',
        5_000,
      );
      assert.equal(csms.passwords.get(identity), secret);
      csmsSide = csms.clients.get(identity)!;
      assert.deepEqual((await command('ChangeConfiguration', { key: 'AuthorizationKey', value: 'short' })).result, {
        status: 'Rejected',
      });
      assert.deepEqual(
        (await command('ChangeConfiguration', { key: 'SupportedFeatureProfiles', value: 'Core' })).result,
        { status: 'Rejected' },
      );
      assert.deepEqual((await command('ChangeConfiguration', { key: 'WebSocketPingInterval', value: '-5' })).result, {
        status: 'Rejected',
      });
      assert.deepEqual((await command('ChangeConfiguration', { key: 'WebSocketPingInterval', value: '45' })).result, {
        status: 'Accepted',
      });
      const config = await command('GetConfiguration', { key: ['AuthorizationKey', 'WebSocketPingInterval'] });
      assert.deepEqual(config.result, {
        configurationKey: [
          { key: 'AuthorizationKey', readonly: false },
          { key: 'WebSocketPingInterval', readonly: false, value: '45' },
        ],
      });
      assert.equal(cp.received.length, before, 'none of these reached the charger');
      assert.ok(logLines.length > 0);
      assert.ok(!logLines.some((l) => l.includes(secret)), 'the AuthorizationKey value appears in no log line');
      assert.ok(
        !JSON.stringify(await gw.gateway.registry.states.load(identity)).includes(secret),
        'nor in the charger state',
      );
    });
  });
}
