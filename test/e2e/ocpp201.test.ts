import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { partitionOf } from '../../src/queue/partition.js';
import type { BullmqQueue } from '../../src/queue/bullmq-queue.js';
import { NS } from '../../src/soap/namespaces.js';
import { ocpp15Soap } from '../../src/soap/dialects.js';
import { NodeSoapChargePoint, type RawChargePoint } from '../helpers/charge-points.js';
import { rawChargerSite } from '../helpers/raw-charger-site.js';
import { TestCsms, type RpcServerClient } from '../helpers/csms-peer.js';
import {
  QUEUE_MODES,
  REDIS_URL,
  startGateway,
  type QueueMode,
  type RunningGateway,
} from '../helpers/gateway-harness.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { SoapCharger } from '../helpers/soap-charger.js';
import { until } from '../helpers/wait.js';

/**
 * OCPP 2.0.1 towards the CSMS (docs/translation-201.md): real gateways in front of a strict ocpp-rpc 2.0.1 central
 * system, which validates every CALL and every CALLRESULT against the official schemas and re-validates each CALL
 * it receives (TestCsms.schemaFailures); chargers are node-soap clients and servers built from the 1.5 WSDL.
 */

const P201 = 'ocpp2.0.1';
type Event = {
  eventType: string;
  seqNo: number;
  triggerReason: string;
  offline?: boolean;
  transactionInfo: { transactionId: string; remoteStartId?: number; stoppedReason?: string };
  [k: string]: any;
};

const events = (csms: TestCsms, identity: string): Event[] =>
  csms.callsFor(identity, 'TransactionEvent').map((c) => c.payload as Event);
const minute = (n: number) => new Date(Date.parse('2024-06-01T10:00:00.000Z') + n * 60_000).toISOString();

/** The 1.5 requests of a session, as the node-soap charger sends them. */
const req = {
  boot: {
    chargePointVendor: 'VendorX',
    chargePointModel: 'ModelY',
    chargeBoxSerialNumber: 'CBSN-9',
    firmwareVersion: '3.1',
    iccid: '8931',
    imsi: '2040',
  },
  status: (connectorId: number, status: string, errorCode = 'NoError', extra: object = {}) => ({
    connectorId,
    status,
    errorCode,
    ...extra,
    timestamp: minute(0),
  }),
  start: (connectorId: number, idTag: string, meterStart: number) => ({
    connectorId,
    idTag,
    timestamp: minute(1),
    meterStart,
  }),
  meter: (connectorId: number, transactionId: number, n: number) => ({
    connectorId,
    transactionId,
    values: [
      {
        timestamp: minute(1 + n),
        value: [
          {
            attributes: { context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            $value: String(1000 + n * 100),
          },
        ],
      },
    ],
  }),
  stop: (transactionId: number, meterStop: number, idTag?: string) => ({
    transactionId,
    ...(idTag ? { idTag } : {}),
    timestamp: minute(30),
    meterStop,
  }),
};

/** Each event of one transaction: one Started, Updated ones, one Ended, one transactionId, seqNo 0..n+1 in order. */
function assertWholeTransaction(list: Event[], updated: number): string {
  assert.deepEqual(
    list.map((e) => e.eventType),
    ['Started', ...Array<string>(updated).fill('Updated'), 'Ended'],
  );
  assert.deepEqual(
    list.map((e) => e.seqNo),
    list.map((_, i) => i),
    'seqNo 0..n+1 without gap or repeat',
  );
  const ids = new Set(list.map((e) => e.transactionInfo.transactionId));
  assert.equal(ids.size, 1, 'one transactionId');
  return [...ids][0]!;
}

for (const mode of QUEUE_MODES) {
  describe(`OCPP 2.0.1: a charger's session and a remote start against a strict 2.0.1 CSMS (${mode} queue)`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;
    let cp: NodeSoapChargePoint;
    let charger: SoapCharger;
    let csmsSide: RpcServerClient;
    const identity = `CP-201-${mode}`;

    before(async () => {
      csms = await new TestCsms(P201).start();
      cp = await new NodeSoapChargePoint().start();
      gw = await startGateway(mode, csms.url, { csmsProtocol: P201, chargerTimeoutMs: 2_000 });
      charger = await SoapCharger.create(gw.soapUrl, identity, cp.url);
    });
    after(async () => {
      await gw.stop();
      await cp.stop();
      await csms.stop();
      assert.deepEqual(csms.schemaFailures, [], 'every CALL the CSMS received is valid OCPP 2.0.1');
    });

    it('boot, status, authorize, start, meter values, stop: one Started, n Updated, one Ended, one transactionId, seqNo 0..n+1', async () => {
      const boot = await charger.call<{ status: string; heartbeatInterval: number }>('BootNotification', req.boot);
      assert.deepEqual([boot.result.status, boot.result.heartbeatInterval], ['Accepted', 300]);
      csmsSide = csms.clients.get(identity)!;
      assert.equal(csms.protocolOf.get(identity), P201, 'the WebSocket speaks ocpp2.0.1');
      assert.deepEqual(csms.callsFor(identity, 'BootNotification')[0]!.payload, {
        chargingStation: {
          model: 'ModelY',
          vendorName: 'VendorX',
          serialNumber: 'CBSN-9',
          firmwareVersion: '3.1',
          modem: { iccid: '8931', imsi: '2040' },
        },
        reason: 'Unknown',
      });
      await charger.call('StatusNotification', req.status(1, 'Available'));
      const auth = await charger.call<{ idTagInfo: { status: string } }>('Authorize', { idTag: 'RFID-1' });
      assert.equal(auth.result.idTagInfo.status, 'Accepted');
      assert.deepEqual(csms.callsFor(identity, 'Authorize')[0]!.payload, {
        idToken: { idToken: 'RFID-1', type: 'ISO14443' },
      });
      await charger.call('StatusNotification', req.status(1, 'Occupied'));
      assert.deepEqual(csms.callsFor(identity, 'StatusNotification').at(-1)!.payload, {
        timestamp: minute(0),
        connectorStatus: 'Occupied',
        evseId: 1,
        connectorId: 1,
      });
      const started = await charger.call<{ transactionId: number; idTagInfo: { status: string } }>(
        'StartTransaction',
        req.start(1, 'RFID-1', 1000),
      );
      const chargerTx = started.result.transactionId;
      assert.ok(Number.isInteger(chargerTx) && chargerTx > 0, 'the charger gets an integer id');
      for (let n = 1; n <= 3; n++) await charger.call('MeterValues', req.meter(1, chargerTx, n));
      await charger.call('StopTransaction', req.stop(chargerTx, 1400, 'RFID-1'));
      const list = events(csms, identity);
      assertWholeTransaction(list, 3);
      assert.deepEqual(
        [list[0]!.triggerReason, list[0]!.evse, list[0]!.idToken],
        ['Authorized', { id: 1, connectorId: 1 }, { idToken: 'RFID-1', type: 'ISO14443' }],
      );
      assert.deepEqual(list[1]!.meterValue[0].sampledValue, [
        {
          value: 1100,
          context: 'Sample.Periodic',
          measurand: 'Energy.Active.Import.Register',
          unitOfMeasure: { unit: 'Wh' },
        },
      ]);
      assert.deepEqual([list[4]!.transactionInfo.stoppedReason, list[4]!.triggerReason], ['Local', 'StopAuthorized']);
      assert.deepEqual(list[4]!.meterValue.at(-1).sampledValue[0], {
        value: 1400,
        context: 'Transaction.End',
        measurand: 'Energy.Active.Import.Register',
        unitOfMeasure: { unit: 'Wh' },
      });
      assert.ok(
        list.every((e) => e.offline === undefined),
        'delivered in time: not offline',
      );
    });

    it('a remote start carries remoteStartId and RemoteStart; RequestStopTransaction reaches the charger with its integer id', async () => {
      const start = await csmsSide.call('RequestStartTransaction', {
        idToken: { idToken: 'REMOTE-7', type: 'Central' },
        remoteStartId: 4242,
        evseId: 2,
      });
      assert.deepEqual(start, { status: 'Accepted' });
      assert.deepEqual(cp.last('RemoteStartTransaction')!.args, { idTag: 'REMOTE-7', connectorId: 2 });
      const before = events(csms, identity).length;
      const started = await charger.call<{ transactionId: number }>('StartTransaction', req.start(2, 'REMOTE-7', 0));
      const remote = events(csms, identity).slice(before);
      assert.deepEqual(
        [remote[0]!.triggerReason, remote[0]!.transactionInfo.remoteStartId, remote[0]!.seqNo],
        ['RemoteStart', 4242, 0],
      );
      const stop = await csmsSide.call('RequestStopTransaction', {
        transactionId: remote[0]!.transactionInfo.transactionId,
      });
      assert.deepEqual(stop, { status: 'Accepted' });
      assert.deepEqual(cp.last('RemoteStopTransaction')!.args, { transactionId: started.result.transactionId });
      assert.deepEqual(await csmsSide.call('RequestStopTransaction', { transactionId: 'not-a-transaction' }), {
        status: 'Rejected',
        statusInfo: { reasonCode: 'TxNotFound' },
      });
      await charger.call('StopTransaction', req.stop(started.result.transactionId, 500));
      const ended = events(csms, identity).at(-1)!;
      assert.deepEqual(
        [ended.eventType, ended.seqNo, ended.transactionInfo.stoppedReason, ended.triggerReason],
        ['Ended', 1, 'Remote', 'RemoteStop'],
      );
    });
  });
}

/** Boots a charger and starts a transaction on connector 1; resolves its integer id. */
async function bootAndStart(charger: SoapCharger): Promise<number> {
  await charger.call('BootNotification', req.boot);
  return (await charger.call<{ transactionId: number }>('StartTransaction', req.start(1, 'TAG-R', 1000))).result
    .transactionId;
}

for (const mode of ['embedded', 'redis'] as QueueMode[]) {
  describe(`OCPP 2.0.1: a gateway restart in the middle of a transaction (${mode})`, () => {
    it('keeps the transactionId and continues the seqNo; events stored while the CSMS was down arrive marked offline', async () => {
      const csms = await new TestCsms(P201).start();
      const cp = await new NodeSoapChargePoint().start();
      const identity = `CP-201-RESTART-${mode}`;
      const store =
        mode === 'embedded'
          ? { dataDir: mkdtempSync(join(tmpdir(), 'gw201-')) }
          : { redisPrefix: `gw201-${randomUUID().slice(0, 8)}` };
      const overrides = { csmsProtocol: P201, ...store };
      let gw = await startGateway(mode, csms.url, overrides);
      try {
        let charger = await SoapCharger.create(gw.soapUrl, identity, cp.url);
        const tx = await bootAndStart(charger);
        await charger.call('MeterValues', req.meter(1, tx, 1));
        // The CSMS goes away: the next readings are stored and answered at once.
        const port = csms.port;
        await csms.stop();
        await charger.call('MeterValues', req.meter(1, tx, 2));
        await charger.call('MeterValues', req.meter(1, tx, 3));
        await gw.gateway.stop(); // a restart: the store (files, or Redis keys) is kept
        await csms.start(port);
        gw = await startGateway(mode, csms.url, overrides);
        charger = await SoapCharger.create(gw.soapUrl, identity, cp.url);
        await until(
          () => events(csms, identity).length === 4,
          'the stored readings to reach the CSMS after the restart',
          15_000,
        );
        await charger.call('MeterValues', req.meter(1, tx, 4));
        await charger.call('StopTransaction', req.stop(tx, 1500));
        const list = events(csms, identity);
        assertWholeTransaction(list, 4);
        assert.deepEqual(
          list.map((e) => e.offline ?? false),
          [false, false, true, true, false, false],
          'the readings stored during the outage are offline',
        );
        assert.deepEqual(csms.schemaFailures, []);
      } finally {
        await gw.stop();
        if (mode === 'embedded') rmSync(store.dataDir!, { recursive: true, force: true });
        await cp.stop();
        await csms.stop();
      }
    });
  });
}

describe('OCPP 2.0.1: failover between two instances in the middle of a transaction (redis)', () => {
  it("the instance that takes the charger's partition over continues the transaction and its seqNo", async () => {
    const csms = await new TestCsms(P201).start();
    const cp = await new NodeSoapChargePoint().start();
    const identity = 'CP-201-FAILOVER';
    const redisPrefix = `gw201-${randomUUID().slice(0, 8)}`;
    const overrides = { csmsProtocol: P201, redisPrefix, leaseTtlMs: 2_000 };
    const a = await startGateway('redis', csms.url, overrides);
    const b = await startGateway('redis', csms.url, overrides);
    const partition = partitionOf(identity, 4);
    const owns = (gw: RunningGateway) => (gw.gateway.queue as BullmqQueue).heldPartitions.has(partition);
    try {
      await until(() => owns(a) || owns(b), 'one instance to hold the charger partition');
      const [owner, other] = owns(a) ? [a, b] : [b, a];
      const tx = await bootAndStart(await SoapCharger.create(other.soapUrl, identity, cp.url));
      await (await SoapCharger.create(other.soapUrl, identity, cp.url)).call('MeterValues', req.meter(1, tx, 1));
      await owner.gateway.stop();
      await until(() => owns(other), 'the other instance to take the partition over', 15_000);
      const charger = await SoapCharger.create(other.soapUrl, identity, cp.url);
      await charger.call('MeterValues', req.meter(1, tx, 2));
      await charger.call('StopTransaction', req.stop(tx, 1300));
      assertWholeTransaction(events(csms, identity), 2);
      assert.deepEqual(csms.schemaFailures, []);
    } finally {
      await a.gateway.stop().catch(() => undefined);
      await b.gateway.stop().catch(() => undefined);
      await deleteKeysWithPrefix(REDIS_URL, redisPrefix);
      await cp.stop();
      await csms.stop();
    }
  });
});

describe('OCPP 2.0.1 and 1.6 chargers behind one gateway (per-charger csmsProtocol)', () => {
  it('each charger opens its WebSocket with its own subprotocol and is translated for it', async () => {
    const csms = await new TestCsms([P201, 'ocpp1.6']).start();
    const gw = await startGateway('embedded', csms.url, {
      csmsProtocol: P201,
      chargers: { 'CP-MIX-16': { csmsProtocol: 'ocpp1.6' } },
    });
    try {
      const c201 = await SoapCharger.create(gw.soapUrl, 'CP-MIX-201');
      const c16 = await SoapCharger.create(gw.soapUrl, 'CP-MIX-16');
      await Promise.all([c201.call('BootNotification', req.boot), c16.call('BootNotification', req.boot)]);
      await Promise.all([
        c201.call('StartTransaction', req.start(1, 'T', 0)),
        c16.call('StartTransaction', req.start(1, 'T', 0)),
      ]);
      assert.deepEqual([csms.protocolOf.get('CP-MIX-201'), csms.protocolOf.get('CP-MIX-16')], [P201, 'ocpp1.6']);
      assert.equal(csms.callsFor('CP-MIX-201', 'TransactionEvent').length, 1);
      assert.equal(csms.callsFor('CP-MIX-16', 'StartTransaction').length, 1);
      assert.ok('chargingStation' in csms.callsFor('CP-MIX-201', 'BootNotification')[0]!.payload);
      assert.ok('chargePointVendor' in csms.callsFor('CP-MIX-16', 'BootNotification')[0]!.payload);
      assert.deepEqual(csms.schemaFailures, [], 'each CALL valid in the protocol of its connection');
    } finally {
      await gw.stop();
      await csms.stop();
    }
  });
});

/** Calls from the strict 2.0.1 CSMS: its result (checked by ocpp-rpc against the schema), or its CALLERROR code. */
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
