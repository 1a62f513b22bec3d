/**
 * The fleet API on and off (bench/README.md, "The fleet API on and off"): the API is off until a key is configured,
 * and on it records every session, meter sample and alarm in the store. Two gateways of one mode, one with a key and
 * one without, measured side by side: throughput in alternating closed-loop windows (the full run), and instructions
 * per message under callgrind (every run), for a charger's day and for MeterValues alone.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../src/util/password-hash.js';
import { deleteKeysWithPrefix } from '../test/helpers/redis-keys.js';
import { meterValuesTraffic } from './envelopes.js';
import { type CountPair, FLEET_API_TARGET, type FleetApiThroughput, throughputOf } from './fleet-figures.js';
import { changeOf, countPairs, type CountRun } from './instructions.js';
import { closedLoop, rate } from './load.js';
import { startGateway } from './processes.js';
import { soapSender } from './rounds.js';
import { CLIENTS, log, quick, REDIS_URL, ROUNDS, SECONDS, WARM_UP_SECONDS } from './settings.js';

let configFile: string | undefined;

/**
 * The environment that turns the API on: CONFIG pointing at a file with one key and one group (the gateway's
 * configuration file is YAML, of which JSON is a subset). Written once per run, deleted when the bench exits.
 */
export function apiOn(): Record<string, string> {
  if (!configFile) {
    const dir = mkdtempSync(join(tmpdir(), 'ocppgw-bench-fleet-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    configFile = join(dir, 'fleet-api.yaml');
    const fleetApi = {
      keys: [{ key: 'BENCH-KEY-0001', passwordHash: hashPassword('bench', '0a0b0c0d0e0f1011'), groups: [1] }],
      groups: [{ id: 1, name: 'Bench' }],
    };
    writeFileSync(configFile, `${JSON.stringify({ fleetApi })}\n`);
  }
  return { CONFIG: configFile };
}

/** The two modes compared: the durable embedded store (the default) and Redis (records in a hash per kind). */
const MODES = [
  { name: 'embedded (durable)', env: {} as Record<string, string>, durable: true },
  { name: 'Redis', env: { REDIS_URL }, durable: false },
];

/**
 * Two gateways of each mode, the API off and on, started side by side; after a warm-up of each, ROUNDS pairs of
 * closed-loop windows of a charger's day, which of the two goes first alternating between rounds.
 */
export async function compareFleetApi(agent: Agent, csmsPort: number): Promise<FleetApiThroughput[]> {
  const out: FleetApiThroughput[] = [];
  for (const mode of MODES) {
    const prefixes = [`bench-${randomUUID().slice(0, 8)}`, `bench-${randomUUID().slice(0, 8)}`];
    const envOf = (i: number, extra: Record<string, string>) =>
      'REDIS_URL' in mode.env ? { ...mode.env, REDIS_PREFIX: prefixes[i]!, ...extra } : { ...mode.env, ...extra };
    const off = await startGateway(csmsPort, envOf(0, {}), mode.durable);
    const on = await startGateway(csmsPort, envOf(1, apiOn()), mode.durable);
    try {
      const sendOff = soapSender(agent, off.url, 'fleet-off');
      const sendOn = soapSender(agent, on.url, 'fleet-on');
      await closedLoop(CLIENTS, WARM_UP_SECONDS, sendOff);
      await closedLoop(CLIENTS, WARM_UP_SECONDS, sendOn);
      const rounds = { off: [] as number[], on: [] as number[] };
      for (let i = 0; i < ROUNDS; i++) {
        const order = i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
        for (const side of order)
          rounds[side].push(rate(await closedLoop(CLIENTS, SECONDS, side === 'on' ? sendOn : sendOff)));
      }
      const t = throughputOf(mode.name, rounds.off, rounds.on);
      log(
        `fleet API on, ${mode.name}: ${t.on.toFixed(0)} msg/s against ${t.off.toFixed(0)} off (ratios ${t.rounds.ratio.map((r) => r.toFixed(2)).join(', ')})`,
      );
      out.push(t);
    } finally {
      await off.stop();
      await on.stop();
      if ('REDIS_URL' in mode.env) for (const p of prefixes) await deleteKeysWithPrefix(REDIS_URL, p);
    }
  }
  return out;
}

/**
 * How near the target a first pair's change must be to be counted twice more: embedded pairs of one build moved by
 * about five points from one pair to the next, Redis pairs by up to ten (bench/README.md, "Twenty-fourth round").
 */
const RECOUNT_WITHIN = 0.1;

/**
 * The API's instructions per message, off and on side by side (bench/instructions.ts), for each traffic. A first pair
 * whose change lies within RECOUNT_WITHIN of the target is counted twice more and the median pair is reported, so
 * that a single pair near the target does not judge it by chance.
 */
export async function countFleetApi(agent: Agent, csmsPort: number): Promise<Record<string, CountPair>> {
  const pairs: [string, CountRun, CountRun][] = [
    [
      'embedded (durable), a charger day',
      { root: '.', env: {}, durable: true },
      { root: '.', env: apiOn(), durable: true },
    ],
    [
      'embedded (durable), MeterValues only',
      { root: '.', env: {}, durable: true, traffic: meterValuesTraffic() },
      { root: '.', env: apiOn(), durable: true, traffic: meterValuesTraffic() },
    ],
    [
      'Redis, a charger day',
      { root: '.', env: { REDIS_URL }, durable: false },
      { root: '.', env: { REDIS_URL, ...apiOn() }, durable: false },
    ],
  ];
  const counted = await countPairs(
    agent,
    csmsPort,
    pairs.map(([, base, changed]) => ({ base, changed })),
    (change) => Math.abs(change - FLEET_API_TARGET) < RECOUNT_WITHIN,
  );
  const out: Record<string, CountPair> = {};
  pairs.forEach(([name], i) => {
    const { median, pairs: all } = counted[i]!;
    out[name] = { off: median.base, on: median.changed, changes: all.map(changeOf) };
  });
  log(`fleet API instruction counts done (${quick ? 'quick' : 'full'} warm-up)`);
  return out;
}
