import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hashPassword } from '../../src/fleet-api/credentials.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { FleetApiClient, list } from '../helpers/fleet-api-client.js';
import { REDIS_URL, startGateway } from '../helpers/gateway-harness.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { SoapCharger } from '../helpers/soap-charger.js';
import { until } from '../helpers/wait.js';

/** Sessions and alarms survive a restart (embedded store, Redis) and are shared by the instances of one Redis. */

const KEY = { key: 'KEY-REC-000001', password: 'records' };
const overrides = {
  callbackPolicy: 'any',
  fleetApi: {
    keys: [{ key: KEY.key, passwordHash: hashPassword(KEY.password, '0a0b0c0d0e0f1011'), groups: [1] }],
    groups: [{ id: 1, name: 'All', chargers: ['REC-1'] }],
  },
};

async function chargeAndFault(soapUrl: string): Promise<void> {
  const cp = await SoapCharger.create(soapUrl, 'REC-1', 'http://10.20.30.50:8080/ChargePointService');
  await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  const { result } = await cp.call<{ transactionId: number }>('StartTransaction', {
    connectorId: 1,
    idTag: 'T',
    timestamp: '2024-05-01T10:00:00Z',
    meterStart: 0,
  });
  await cp.call('StopTransaction', {
    transactionId: result.transactionId,
    timestamp: '2024-05-01T11:00:00Z',
    meterStop: 4200,
  });
  await cp.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'OverCurrentFailure' });
}

async function sessionsVia(baseUrl: string): Promise<Record<string, unknown>[]> {
  const client = await FleetApiClient.create(baseUrl, '5.0', KEY.key, KEY.password);
  return list((await client.call('getChargingSessionData', { searchQuery: {} })).result.ChargingSessionData);
}

async function alarmsVia(baseUrl: string): Promise<Record<string, unknown>[]> {
  const client = await FleetApiClient.create(baseUrl, '5.0', KEY.key, KEY.password);
  return list((await client.call('getAlarms', { searchQuery: {} })).result.Alarms);
}

describe('fleet API records', () => {
  const csms = new TestCsms();
  after(() => csms.stop());

  it('the embedded store keeps sessions and alarms across a restart', async () => {
    await csms.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'gw-fleet-'));
    try {
      const first = await startGateway('embedded', csms.url, { ...overrides, dataDir });
      await chargeAndFault(first.soapUrl);
      await until(async () => (await alarmsVia(first.baseUrl)).length === 1, 'the alarm');
      const before = await sessionsVia(first.baseUrl);
      // The same records on the admin port: JSON, and CSV for billing exports.
      const json = (await (await fetch(`${first.adminUrl}/api/sessions?identity=REC-1`)).json()) as {
        sessions: Record<string, unknown>[];
      };
      assert.deepEqual(
        json.sessions.map((x) => [x.identity, x.connectorId, x.energyKWh, x.start, x.end]),
        [['REC-1', 1, 4.2, '2024-05-01T10:00:00.000Z', '2024-05-01T11:00:00.000Z']],
      );
      const csv = await (await fetch(`${first.adminUrl}/api/sessions?format=csv`)).text();
      assert.match(
        csv,
        /^sessionId,identity,stationId,connectorId,start,end,energyKWh,idTag\r\n\d+,REC-1,1:\d+,1,2024-05-01T10:00:00.000Z,2024-05-01T11:00:00.000Z,4.2,/,
      );
      const alarms = (await (await fetch(`${first.adminUrl}/api/alarms`)).json()) as { alarms: { type: string }[] };
      assert.deepEqual(
        alarms.alarms.map((a) => a.type),
        ['OverCurrentFailure'],
      );
      await first.stop();
      const second = await startGateway('embedded', csms.url, { ...overrides, dataDir });
      try {
        const after = await sessionsVia(second.baseUrl);
        assert.deepEqual(after, before);
        assert.equal(Number(after[0]!.Energy), 4.2);
        assert.deepEqual(
          (await alarmsVia(second.baseUrl)).map((a) => a.alarmType),
          ['OverCurrentFailure'],
        );
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('Redis: a session open while its partition moves to a running instance is recorded when it stops', async () => {
    const redisPrefix = `gwtest-${randomUUID().slice(0, 8)}`;
    // One partition: the instance started first owns it and records the start; the other takes it over.
    const settings = { ...overrides, redisPrefix, partitions: 1, leaseTtlMs: 3_000 };
    const a = await startGateway('redis', csms.url, settings);
    const b = await startGateway('redis', csms.url, settings);
    try {
      const cp = await SoapCharger.create(a.soapUrl, 'REC-1', 'http://10.20.30.50:8080/ChargePointService');
      await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      const { result } = await cp.call<{ transactionId: number }>('StartTransaction', {
        connectorId: 1,
        idTag: 'T',
        timestamp: '2024-05-02T10:00:00Z',
        meterStart: 1000,
      });
      await a.gateway.stop();
      const moved = await SoapCharger.create(b.soapUrl, 'REC-1', 'http://10.20.30.50:8080/ChargePointService');
      await moved.call('StopTransaction', {
        transactionId: result.transactionId,
        timestamp: '2024-05-02T10:45:00Z',
        meterStop: 3500,
      });
      await until(async () => (await sessionsVia(b.baseUrl)).length === 1, 'the session recorded by the new owner');
      assert.equal(Number((await sessionsVia(b.baseUrl))[0]!.Energy), 2.5);
    } finally {
      await b.gateway.stop();
      await deleteKeysWithPrefix(REDIS_URL, redisPrefix);
    }
  });

  it('Redis: what one instance records, another serves, and a restart keeps', async () => {
    const redisPrefix = `gwtest-${randomUUID().slice(0, 8)}`;
    const a = await startGateway('redis', csms.url, { ...overrides, redisPrefix });
    const b = await startGateway('redis', csms.url, { ...overrides, redisPrefix });
    try {
      await chargeAndFault(a.soapUrl);
      await until(async () => (await sessionsVia(b.baseUrl)).length === 1, 'the session through the other instance');
      const client = await FleetApiClient.create(b.baseUrl, '5.0', KEY.key, KEY.password);
      await until(async () => (await alarmsVia(b.baseUrl)).length === 1, 'the alarm through the other instance');
      assert.equal((await client.call('clearAlarms', { searchQuery: {} })).result.responseCode, '100');
      await a.gateway.stop();
      const c = await startGateway('redis', csms.url, { ...overrides, redisPrefix });
      try {
        assert.equal(Number((await sessionsVia(c.baseUrl))[0]!.Energy), 4.2);
        assert.deepEqual(await alarmsVia(c.baseUrl), [], 'cleared on one instance, cleared for all');
      } finally {
        await c.gateway.stop();
      }
    } finally {
      await b.gateway.stop();
      await deleteKeysWithPrefix(REDIS_URL, redisPrefix);
    }
  });
});
