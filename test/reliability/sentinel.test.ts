// npm test: run alone (Redis primaries killed and instances frozen under load, with bounds on takeover times)
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TestCsms } from '../helpers/csms-peer.js';
import { Fleet, meterValuesEnvelope, printTally, tallyOf, type Tally } from '../helpers/fleet-tally.js';
import { freePort, GatewayProcess } from '../helpers/processes.js';
import { SENTINEL_NAME, SentinelTopology } from '../helpers/sentinel-topology.js';
import { sleep, until } from '../helpers/wait.js';

/**
 * Reliability through a real Sentinel topology (docs/operations.md#redis-with-sentinel): one primary, one replica and
 * three sentinels of Debian's redis-server on free ports; gateway processes find the primary through the sentinels
 * (REDIS_SENTINELS). The fleet and the tally are the reliability suite's: lost = acknowledged to a charger but never
 * delivered to the CSMS.
 */
describe('reliability through Redis Sentinel', { timeout: 300_000 }, () => {
  let topology: SentinelTopology;
  let csms: TestCsms;
  let csmsPort = 0;
  const rows: Tally[] = [];

  before(async () => {
    topology = await new SentinelTopology().start();
    csmsPort = await freePort();
    csms = await new TestCsms().start(csmsPort);
  });

  after(async () => {
    await csms.stop();
    await topology.stop();
    printTally(
      'reliability through Redis Sentinel (lost must be 0 where acknowledged writes wait for a replica)',
      rows,
    );
  });

  const gatewayEnv = (prefix: string, extra: Record<string, string> = {}): Record<string, string> => ({
    CSMS_URL: `ws://127.0.0.1:${csmsPort}/ocpp`,
    REDIS_URL: '',
    REDIS_SENTINELS: topology.sentinelList,
    REDIS_SENTINEL_NAME: SENTINEL_NAME,
    REDIS_PREFIX: prefix,
    ADMISSION: 'auto-accept',
    LOG_LEVEL: 'info',
    CSMS_TIMEOUT_MS: '2000',
    LEASE_TTL_MS: '3000',
    PARTITIONS: '4',
    WS_PING_INTERVAL_SEC: '0',
    RECONNECT_MIN_MS: '100',
    RECONNECT_MAX_MS: '500',
    ...extra,
  });

  const tally = async (scenario: string, fleet: Fleet, prefix: string): Promise<Tally> => {
    const row = await tallyOf(scenario, () => csms.calls, fleet, prefix);
    rows.push(row);
    return row;
  };

  /** The primary is killed (kill -9) under load; the sentinels promote the replica; the old primary rejoins. */
  async function primaryKilled(scenario: string, extra: Record<string, string>): Promise<Tally> {
    const prefix = `sen-${randomUUID().slice(0, 6)}`;
    const gw = await new GatewayProcess(gatewayEnv(prefix, extra), 'sentinel-kill').start();
    const fleet = new Fleet(() => [gw.soapUrl], `${prefix}-cp`, 10);
    try {
      fleet.start();
      await until(() => fleet.acknowledged.size >= 150, 'the fleet to have 150 samples acknowledged', 15_000);
      const old = await topology.killPrimary();
      const ackedAtFailover = fleet.acknowledged.size;
      // With REDIS_MIN_REPLICAS_ACKED=1 nothing is acknowledged until a replica is back: the old primary rejoins.
      await topology.rejoin(old);
      await until(
        () => fleet.acknowledged.size >= ackedAtFailover + 150,
        'the gateway to acknowledge 150 samples through the promoted primary',
        30_000,
      );
      await fleet.stop();
      const row = await tally(scenario, fleet, `${prefix}-cp`);
      assert.ok(row.acknowledged > 300, `load too light: ${row.acknowledged}`);
      assert.deepEqual(csms.schemaFailures, []);
      return row;
    } finally {
      await fleet.stop();
      await gw.stop();
    }
  }

  it('primary killed under load, REDIS_MIN_REPLICAS_ACKED=1: nothing acknowledged is lost', async () => {
    const row = await primaryKilled('primary killed, REDIS_MIN_REPLICAS_ACKED=1', { REDIS_MIN_REPLICAS_ACKED: '1' });
    assert.equal(row.lost, 0);
    assert.deepEqual(row.outOfOrder, []);
  });

  it('primary killed under load, no replica wait: loss measured', async () => {
    const row = await primaryKilled('primary killed, no replica wait', {});
    // Asynchronous replication may lose the last writes acknowledged before the kill: reported, not asserted.
    console.log(`primary killed without REDIS_MIN_REPLICAS_ACKED: ${row.lost} acknowledged samples lost`);
  });

  /** The samples the CSMS received more than once: when (ms after `from`) and on which of its connections. */
  function duplicates(
    prefix: string,
    from: number,
  ): { sample: string; identity: string; copies: { at: number; connection: number }[] }[] {
    const copies = new Map<string, { identity: string; copies: { at: number; connection: number }[] }>();
    for (const c of csms.calls) {
      if (c.action !== 'MeterValues' || !c.identity.startsWith(prefix)) continue;
      const sample = (c.payload.meterValue as { sampledValue: { value: string }[] }[])[0]!.sampledValue[0]!.value;
      const entry = copies.get(sample) ?? { identity: c.identity, copies: [] };
      entry.copies.push({ at: c.at - from, connection: c.connection });
      copies.set(sample, entry);
    }
    return [...copies].filter(([, e]) => e.copies.length > 1).map(([sample, e]) => ({ sample, ...e }));
  }

  /** The CSMS connection a charger's last message before `at` came on. */
  function connectionBefore(identity: string, at: number): number | undefined {
    return csms.calls.filter((c) => c.identity === identity && c.at < at).at(-1)?.connection;
  }

  /** The longest time any charger's deliveries paused between `from` and the end of the scenario. */
  function longestPause(prefix: string, from: number): number {
    const last = new Map<string, number>();
    let longest = 0;
    for (const c of csms.calls) {
      if (!c.identity.startsWith(prefix) || c.action !== 'MeterValues') continue;
      const before = last.get(c.identity);
      if (before !== undefined && c.at > from) longest = Math.max(longest, c.at - Math.max(before, from));
      last.set(c.identity, c.at);
    }
    return longest;
  }

  /** Two instances share the fleet; `disrupt` acts on the first under load; the second serves on. */
  async function twoInstances(
    scenario: string,
    disrupt: (a: GatewayProcess, serveOnlyB: () => void) => Promise<void>,
    extra: Record<string, string> = {},
  ): Promise<{ row: Tally; pauseMs: number; prefix: string }> {
    const prefix = `sen-${randomUUID().slice(0, 6)}`;
    const a = await new GatewayProcess(gatewayEnv(prefix, extra), 'sentinel-a').start();
    const b = await new GatewayProcess(gatewayEnv(prefix, extra), 'sentinel-b').start();
    let live = [a.soapUrl, b.soapUrl];
    const fleet = new Fleet(() => live, `${prefix}-cp`, 10);
    try {
      fleet.start();
      await until(() => fleet.acknowledged.size >= 150, 'the fleet to have 150 samples acknowledged', 15_000);
      const at = Date.now();
      await disrupt(a, () => (live = [b.soapUrl]));
      const acked = fleet.acknowledged.size;
      await until(() => fleet.acknowledged.size >= acked + 150, 'the fleet to be served on', 30_000);
      await fleet.stop();
      const row = await tally(scenario, fleet, `${prefix}-cp`);
      return { row, pauseMs: longestPause(`${prefix}-cp`, at), prefix: `${prefix}-cp` };
    } finally {
      await fleet.stop();
      a.signal('SIGCONT');
      a.kill();
      await b.stop();
    }
  }

  it('an instance killed mid-delivery: its partitions and in-flight messages taken over within the lease', async () => {
    const { row, pauseMs } = await twoInstances('kill -9 of 1 of 2 instances mid-delivery', async (a, onlyB) => {
      a.kill();
      onlyB();
    });
    console.log(`kill -9 mid-delivery: the longest pause of a charger's deliveries was ${pauseMs} ms (lease 3000 ms)`);
    assert.equal(row.lost, 0);
    assert.deepEqual(row.outOfOrder, []);
    // Lease (3 s) plus one renewal round and the sweep; BullMQ's stalled check alone took 10 to 20 s.
    assert.ok(pauseMs < 6_000, `takeover took ${pauseMs} ms`);
  });

  /** How long the instance stays frozen: twice the lease. */
  const FROZEN_MS = 6_000;
  /** How soon after SIGCONT a flush already past its check leaves: it is the first thing the process does. */
  const RESUMED_WRITE_MS = 1_000;

  it('an instance frozen past its lease (SIGSTOP, SIGCONT): nothing sent twice but what was in flight, nothing out of order', async () => {
    let stoppedAt = 0;
    let resumedAt = 0;
    const { row, prefix } = await twoInstances(
      'SIGSTOP 6 s of 1 of 2 instances, then SIGCONT',
      async (a) => {
        a.signal('SIGSTOP');
        stoppedAt = Date.now();
        await sleep(FROZEN_MS); // a duration (scenario): frozen for twice the lease
        resumedAt = Date.now() - stoppedAt;
        a.signal('SIGCONT');
      },
      // The CSMS runs in this process on a shared machine: given 5 s rather than 2 to answer, so that a duplicate
      // counted here is the freeze's, not a CSMS answering after the gateway's deadline (which is redelivered).
      { CSMS_TIMEOUT_MS: '5000' },
    );
    assert.equal(row.lost, 0);
    assert.deepEqual(row.outOfOrder, [], 'the resumed instance delivers nothing out of turn');
    // At least once (docs/architecture.md#fencing): a CALL the frozen instance wrote just before the freeze, whose
    // answer it never read, is sent again by the successor: at most one per charger (one CALL in flight each), its
    // first copy on the connection the charger's messages took before the freeze and read by the CSMS while the
    // instance was still frozen (the kernel may hand it over a little after the SIGSTOP), its second on another
    // connection. A copy the resumed instance sent comes after FROZEN_MS: only the one below may.
    const copies = duplicates(prefix, stoppedAt);
    const inFlightAtFreeze = copies.filter(
      (c) =>
        c.copies.length === 2 &&
        c.copies[0]!.at < FROZEN_MS &&
        c.copies[0]!.connection === connectionBefore(c.identity, stoppedAt) &&
        c.copies[1]!.connection !== c.copies[0]!.connection,
    );
    // The one write no check in the process can stop (docs/architecture.md#fencing): frames whose flush had passed
    // its lease check when the SIGSTOP came, sent on the old connection as the process resumes. One socket's flush
    // at most, so one CALL; the other copy is the successor's, before or after it.
    const resumedWrite = (identity: string, copy: { at: number; connection: number }) =>
      copy.connection === connectionBefore(identity, stoppedAt) &&
      copy.at >= resumedAt &&
      copy.at < resumedAt + RESUMED_WRITE_MS;
    const pausedMidFlush = copies.filter(
      (c) =>
        c.copies.length === 2 &&
        c.copies[0]!.connection !== c.copies[1]!.connection &&
        c.copies.some((copy) => resumedWrite(c.identity, copy)),
    );
    const perCharger = new Set(inFlightAtFreeze.map((c) => c.identity));
    const described = copies.map(
      (c) => `${c.sample} (${c.copies.map((x) => `${x.at} ms on connection ${x.connection}`).join(', ')})`,
    );
    const extra = copies.reduce((n, c) => n + c.copies.length - 1, 0);
    assert.equal(row.duplicated, extra, 'the tally and the CSMS agree on the duplicates');
    assert.ok(pausedMidFlush.length <= 1, `more than one socket's flush sent on resuming: ${described}`);
    assert.deepEqual(
      copies.length - inFlightAtFreeze.length - pausedMidFlush.length,
      0,
      `duplicates beyond at least once: ${described}`,
    );
    assert.equal(perCharger.size, inFlightAtFreeze.length, `more than one per charger: ${described}`);
  });

  it('Redis stopped for 30 s: not ready, 503 to chargers, recovery without a restart', async () => {
    const prefix = `sen-${randomUUID().slice(0, 6)}`;
    const gw = await new GatewayProcess(gatewayEnv(prefix), 'sentinel-outage').start();
    const fleet = new Fleet(() => [gw.soapUrl], `${prefix}-cp`, 10);
    const ready = async () => (await fetch(`http://127.0.0.1:${gw.adminPort}/ready`)).status;
    try {
      fleet.start();
      await until(() => fleet.acknowledged.size >= 100, 'the fleet to have 100 samples acknowledged', 15_000);
      await topology.stopServers();
      const downAt = Date.now();
      await until(async () => (await ready()) === 503, '/ready to report not ready with Redis away', 10_000);
      const answer = await fetch(gw.soapUrl, {
        method: 'POST',
        body: meterValuesEnvelope(`${prefix}-probe`, 'probe'),
        headers: SOAP,
      });
      await answer.text();
      assert.equal(answer.status, 503, 'a charger is told to retry while Redis is away');
      await sleep(Math.max(0, 30_000 - (Date.now() - downAt))); // a duration (scenario): Redis stays away 30 s
      const ackedDuringOutage = fleet.answers.filter((a) => a.at > downAt + 2_000).length;
      await topology.startServers();
      await until(async () => (await ready()) === 200, '/ready to report ready with Redis back', 20_000);
      const ackedAtReturn = fleet.acknowledged.size;
      await until(
        () => fleet.acknowledged.size >= ackedAtReturn + 100,
        'the same process to acknowledge 100 more samples with Redis back',
        20_000,
      );
      await fleet.stop();
      const row = await tally('Redis stopped 30 s', fleet, `${prefix}-cp`);
      assert.equal(row.lost, 0);
      assert.equal(ackedDuringOutage, 0, 'nothing is acknowledged while no primary is reachable');
      assert.deepEqual(row.outOfOrder, []);
    } finally {
      await fleet.stop();
      await gw.stop();
    }
  });
});

const SOAP = { 'Content-Type': 'application/soap+xml' };
