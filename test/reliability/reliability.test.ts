import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TestCsms } from '../helpers/csms-peer.js';
import { GatewayProcess, RedisProcess } from '../helpers/processes.js';
import { envelope } from '../helpers/soap.js';

/**
 * Reliability with real processes (issue 4): gateway processes on a Redis of the test's own (AOF, fsync always),
 * a strict OCPP-J CSMS, and a fleet of simulated SOAP chargers that behave like real ones: each sends MeterValues
 * one after the other, counts a message acknowledged only on a 200 answer, and resends it on anything else.
 * Lost = acknowledged but never delivered to the CSMS; it must be 0 in every scenario.
 */

interface Tally {
  scenario: string;
  acknowledged: number;
  delivered: number;
  lost: number;
  duplicated: number;
}

const table: Tally[] = [];

/** Simulated chargers: `count` of them, each sending numbered meter samples to the gateways in turn. */
class Fleet {
  readonly acknowledged = new Set<string>();
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly urls: () => string[],
    private readonly prefix: string,
    private readonly count: number,
  ) {}

  start(): void {
    for (let c = 0; c < this.count; c++) this.loops.push(this.charger(`${this.prefix}-${c}`));
  }

  private async charger(identity: string): Promise<void> {
    let seq = 0;
    let turn = 0;
    while (!this.stopped) {
      const sample = `${identity}#${seq}`;
      const body = envelope(
        `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:values><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:value context="Sample.Periodic">${sample}</cs:value></cs:values></cs:meterValuesRequest>`,
        { identity },
      );
      let acked = false;
      while (!acked && !this.stopped) {
        const targets = this.urls();
        const url = targets[turn++ % targets.length]!;
        try {
          const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/soap+xml' }, signal: AbortSignal.timeout(8_000) });
          await res.text();
          acked = res.status === 200;
        } catch {
          // connection refused or reset: the instance is gone; try the next one
        }
        if (!acked) await new Promise((r) => setTimeout(r, 100));
      }
      if (acked) this.acknowledged.add(sample);
      seq++;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

/** Calls received by CSMS instances that were stopped and replaced during a scenario. */
const retiredCalls: TestCsms['calls'] = [];

function samplesDelivered(csms: TestCsms, prefix: string): string[] {
  return [...retiredCalls, ...csms.calls]
    .filter((c) => c.action === 'MeterValues' && c.identity.startsWith(prefix))
    .map((c) => ((c.payload.meterValue as { sampledValue: { value: string }[] }[])[0]!.sampledValue[0]!.value));
}

/** Waits until every acknowledged sample reached the CSMS (or the bound passes), then counts. */
async function tally(scenario: string, csms: TestCsms, fleet: Fleet, prefix: string): Promise<Tally> {
  const until = Date.now() + 45_000;
  let delivered = samplesDelivered(csms, prefix);
  while (Date.now() < until) {
    const got = new Set(delivered);
    if ([...fleet.acknowledged].every((s) => got.has(s))) break;
    await new Promise((r) => setTimeout(r, 250));
    delivered = samplesDelivered(csms, prefix);
  }
  const unique = new Set(delivered);
  const row = {
    scenario,
    acknowledged: fleet.acknowledged.size,
    delivered: unique.size,
    lost: [...fleet.acknowledged].filter((s) => !unique.has(s)).length,
    duplicated: delivered.length - unique.size,
  };
  table.push(row);
  return row;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('reliability with real processes: nothing acknowledged is lost', { timeout: 240_000 }, () => {
  let redis: RedisProcess;
  let csms: TestCsms;
  let csmsPort: number;

  before(async () => {
    redis = await new RedisProcess().start();
    csms = await new TestCsms().start();
    csmsPort = csms.port;
  });
  after(async () => {
    await csms.stop();
    await redis.stop();
    console.log('\nreliability scenarios (lost must be 0)');
    console.log('| scenario | acknowledged | delivered | lost | duplicated |');
    console.log('|---|---|---|---|---|');
    for (const r of table) console.log(`| ${r.scenario} | ${r.acknowledged} | ${r.delivered} | ${r.lost} | ${r.duplicated} |`);
  });

  const gatewayEnv = (prefix: string): Record<string, string> => ({
    CSMS_URL: `ws://127.0.0.1:${csmsPort}/ocpp`,
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    ADMISSION: 'auto-accept',
    LOG_LEVEL: 'info',
    CSMS_TIMEOUT_MS: '2000',
    LEASE_TTL_MS: '3000',
    PARTITIONS: '4',
    WS_PING_INTERVAL_SEC: '0',
    RECONNECT_MIN_MS: '100',
    RECONNECT_MAX_MS: '500',
  });

  it('CSMS down under load', async () => {
    const prefix = `rel-${randomUUID().slice(0, 6)}`;
    const gw = await new GatewayProcess(gatewayEnv(prefix), 'csms-down').start();
    const fleet = new Fleet(() => [gw.soapUrl], `${prefix}-cp`, 10);
    try {
      fleet.start();
      await sleep(1_500);
      await csms.stop();
      retiredCalls.push(...csms.calls);
      await sleep(4_000);
      csms = await new TestCsms().start(csmsPort);
      await sleep(1_500);
      await fleet.stop();
      const row = await tally('CSMS down 4 s under load', csms, fleet, `${prefix}-cp`);
      assert.ok(row.acknowledged > 100, `load too light: ${row.acknowledged}`);
      assert.equal(row.lost, 0);
      assert.deepEqual(csms.schemaFailures, []);
    } finally {
      await fleet.stop();
      await gw.stop();
    }
  });

  it('kill -9 of one of two gateway instances under load', async () => {
    const prefix = `rel-${randomUUID().slice(0, 6)}`;
    const a = await new GatewayProcess(gatewayEnv(prefix), 'kill-a').start();
    const b = await new GatewayProcess(gatewayEnv(prefix), 'kill-b').start();
    let live = [a.soapUrl, b.soapUrl];
    const fleet = new Fleet(() => live, `${prefix}-cp`, 10);
    try {
      await sleep(2_000); // let the second instance take its fair share of partitions
      fleet.start();
      await sleep(2_000);
      a.kill();
      live = [b.soapUrl];
      await sleep(6_000); // lease TTL 3 s: b takes over a's partitions and stalled jobs
      await fleet.stop();
      const row = await tally('kill -9 of 1 of 2 instances', csms, fleet, `${prefix}-cp`);
      assert.ok(row.acknowledged > 100, `load too light: ${row.acknowledged}`);
      assert.equal(row.lost, 0);
    } finally {
      await fleet.stop();
      a.kill();
      await b.stop();
    }
  });

  it('Redis restart under load (AOF on)', async () => {
    const prefix = `rel-${randomUUID().slice(0, 6)}`;
    const gw = await new GatewayProcess(gatewayEnv(prefix), 'redis-restart').start();
    const fleet = new Fleet(() => [gw.soapUrl], `${prefix}-cp`, 10);
    try {
      fleet.start();
      await sleep(1_500);
      await redis.stop();
      await sleep(2_000);
      await redis.start();
      await sleep(3_000);
      await fleet.stop();
      const row = await tally('Redis restart under load', csms, fleet, `${prefix}-cp`);
      assert.ok(row.acknowledged > 100, `load too light: ${row.acknowledged}`);
      assert.equal(row.lost, 0);
      assert.equal((await fetch(`http://127.0.0.1:${gw.adminPort}/health`)).status, 200, 'the same process serves on');
    } finally {
      await fleet.stop();
      await gw.stop();
    }
  });

  it('CSMS closing the WebSocket repeatedly under load', async () => {
    const prefix = `rel-${randomUUID().slice(0, 6)}`;
    const gw = await new GatewayProcess(gatewayEnv(prefix), 'ws-close').start();
    const fleet = new Fleet(() => [gw.soapUrl], `${prefix}-cp`, 10);
    const closer = setInterval(() => {
      for (const [identity, client] of csms.clients) if (identity.startsWith(prefix)) void client.close({ code: 1012, force: true });
    }, 400);
    try {
      fleet.start();
      await sleep(5_000);
      clearInterval(closer);
      await fleet.stop();
      const row = await tally('CSMS closes WebSockets every 400 ms', csms, fleet, `${prefix}-cp`);
      assert.ok(row.acknowledged > 100, `load too light: ${row.acknowledged}`);
      assert.equal(row.lost, 0);
    } finally {
      clearInterval(closer);
      await fleet.stop();
      await gw.stop();
    }
  });
});
