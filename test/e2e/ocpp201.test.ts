import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { partitionOf } from '../../src/queue/partition.js';
import type { BullmqQueue } from '../../src/queue/bullmq-queue.js';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
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
import { assertWholeTransaction, events, minute, P201, req } from '../helpers/ocpp201-session.js';

/**
 * OCPP 2.0.1 towards the CSMS (docs/translation-201.md): real gateways in front of a strict ocpp-rpc 2.0.1 central
 * system, which validates every CALL and every CALLRESULT against the official schemas and re-validates each CALL
 * it receives (TestCsms.schemaFailures); chargers are node-soap clients and servers built from the 1.5 WSDL.
 */

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
