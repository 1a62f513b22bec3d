import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { TestCsms } from '../helpers/csms-peer.js';
import { GatewayProcess, RedisProcess } from '../helpers/processes.js';
import { envelope } from '../helpers/soap.js';
import { sleep, until } from '../helpers/wait.js';

/**
 * Reliability with real processes (docs/architecture.md#delivery-semantics): gateway processes on a Redis of the test's
 * own (AOF, fsync always),
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
        if (!acked) await new Promise((r) => setTimeout(r, 100)); // the charger's own retry pause (scenario, not synchronisation)
      }
      if (acked) this.acknowledged.add(sample);
      seq++;
      await new Promise((r) => setTimeout(r, 20)); // the charger's pace between samples (scenario, not synchronisation)
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
  const deadline = Date.now() + 45_000;
  let delivered = samplesDelivered(csms, prefix);
  while (Date.now() < deadline) {
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

/** The owners (instance ids) of the partition leases `<prefix>:lease:p<n>`, one entry per partition (null: free). */
function leaseOwners(client: Redis, prefix: string, partitions: number): Promise<(string | null)[]> {
  return client.mget(Array.from({ length: partitions }, (_, p) => `${prefix}:lease:p${p}`));
}

/** How many partitions each owner holds; every partition must be held. */
function shares(owners: (string | null)[]): number[] | undefined {
  if (owners.some((o) => o === null)) return undefined;
  const count = new Map<string, number>();
  for (const o of owners) count.set(o!, (count.get(o!) ?? 0) + 1);
  return [...count.values()].sort();
}

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
      await sleep(1_500); // a duration (scenario): load runs 1.5 s before the CSMS goes away
      await csms.stop();
      retiredCalls.push(...csms.calls);
      await sleep(4_000); // a duration (scenario): the CSMS stays down 4 s under load
      csms = await new TestCsms().start(csmsPort);
      await sleep(1_500); // a duration (scenario): load runs 1.5 s with the CSMS back; tally() then waits for delivery
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
    const leases = new Redis(redis.url);
    try {
      // The second instance takes its fair share of the 4 partitions: 2 each, all held.
      await until(
        async () => shares(await leaseOwners(leases, prefix, 4))?.join() === '2,2',
        'a and b to hold 2 partition leases each',
        15_000,
      );
      fleet.start();
      await sleep(2_000); // a duration (scenario): load runs 2 s on both instances before a is killed
      a.kill();
      live = [b.soapUrl];
      // Lease TTL 3 s: b takes over a's partitions (a, killed, renews nothing: one owner of all 4 can only be b).
      await until(
        async () => shares(await leaseOwners(leases, prefix, 4))?.join() === '4',
        'b to take over the partition leases of the killed instance',
        20_000,
      );
      // ... and the fleet is served on by b alone after the handover (a's stalled jobs: tally() waits for them).
      const ackedAtTakeover = fleet.acknowledged.size;
      await until(() => fleet.acknowledged.size >= ackedAtTakeover + 100, 'b to acknowledge 100 more samples after the takeover', 20_000);
      await fleet.stop();
      const row = await tally('kill -9 of 1 of 2 instances', csms, fleet, `${prefix}-cp`);
      assert.ok(row.acknowledged > 100, `load too light: ${row.acknowledged}`);
      assert.equal(row.lost, 0);
    } finally {
      leases.disconnect();
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
      await sleep(1_500); // a duration (scenario): load runs 1.5 s before Redis goes away
      await redis.stop();
      await sleep(2_000); // a duration (scenario): Redis stays down 2 s under load
      await redis.start();
      await sleep(3_000); // a duration (scenario): load runs 3 s with Redis back; tally() then waits for delivery
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
      await sleep(5_000); // a duration (scenario): load runs 5 s while the CSMS closes the WebSockets every 400 ms
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
