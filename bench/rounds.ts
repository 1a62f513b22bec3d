/**
 * The measurement rounds: a sender's maximum throughput (closed loop) and its latency at a fixed rate (open loop), the
 * gateway's rounds between and beside the baselines', and the senders whose failures are counted by kind.
 */
import type { StallRecovery } from './stall.js';
import type { Agent } from 'node:http';
import type { Redis } from 'ioredis';
import { costOf, medianCost, type PhaseCost } from './costs.js';
import { soapRequest } from './envelopes.js';
import { closedLoop, openLoop, percentile, postSoap, rate, type LoadResult } from './load.js';
import type { Gateway } from './processes.js';
import { CLIENTS, log, ROUNDS, SECONDS, WARM_UP_SECONDS } from './settings.js';
import { median, pairedAdded, type Windows } from './stats.js';

export type Send = (client: number, seq: number) => Promise<boolean>;

/** Failed messages by kind ("HTTP 503", "ECONNREFUSED", ...) and where, so that an error count can be explained. */
export const errorKinds = new Map<string, number>();
export const countError = (where: string, kind: string) => {
  const key = `${where}: ${kind}`;
  errorKinds.set(key, (errorKinds.get(key) ?? 0) + 1);
};

/** A SOAP sender: client `i` is the charger `<prefix>-<i>`; `envelope` is the traffic (by default a charger's day). */
export const soapSender =
  (agent: Agent, url: URL, prefix: string, envelope: (identity: string, seq: number) => string = soapRequest) =>
  (client: number, seq: number) =>
    postSoap(agent, url, envelope(`${prefix}-${client}`, seq)).then(
      (status) => {
        if (status !== 200) countError(prefix, `HTTP ${status}`);
        return status === 200;
      },
      (err: NodeJS.ErrnoException) => {
        countError(prefix, err.code ?? err.message);
        return false;
      },
    );

export interface Measured {
  throughput: number;
  p50: number;
  p99: number;
  errors: number;
  /** Every round's figures (the ones above are their medians). */
  rounds: { throughput: number[]; p50: number[]; p99: number[] };
}

/**
 * Latency at one rate in paired rounds: each round a bare SOAP, a bare OCPP-J and a gateway window, so that a drift or
 * a stall of the machine that lasts longer than a window reaches the baselines subtracted from that gateway window too.
 */
export interface PairedLatency {
  rate: number;
  gateway: Windows;
  bareSoap: Windows;
  bareJson: Windows;
  /** Per round: the gateway's percentile minus both baselines'. */
  added: Windows;
  /** Medians of the rounds. */
  p50: number;
  p99: number;
  addedP50: number;
  addedP99: number;
  errors: number;
}

export interface GatewayMeasured extends Measured {
  /** Cost per message at maximum throughput and at half of it (medians of the rounds). */
  costAtMax: PhaseCost;
  costAtHalf: PhaseCost;
  /**
   * Every round's cost, in the order measured: a latency round of seconds is told apart by its own (in Redis mode, a
   * round whose chargers went through BullMQ instead of directly: bench/README.md, "What remains").
   */
  costRounds: { max: PhaseCost[]; half: PhaseCost[] };
  /** Median of the bare SOAP throughput measured around each maximum-throughput round of this mode. */
  bareSoapThroughput: number;
  /** Median of the rounds' ratios, each to the mean of the bare SOAP measured just before and just after it. */
  throughputRatio: number;
  ratioRounds: number[];
  /** Latency at half load, paired with the baselines round by round. */
  latency: PairedLatency;
  addedP50: number;
  addedP99: number;
  /** The durable store's size on disk (ocppgw_store_bytes) when the mode's phases were done; 0 without a store. */
  storeBytesAtEnd?: number;
  /** Redis mode, full runs: a stall at half load and the recovery from it (bench/stall.ts). */
  stall?: StallRecovery;
}

const list = (xs: number[], d: number) => xs.map((x) => x.toFixed(d)).join(', ');

/**
 * One latency window at `perSecond` (open loop), after one unmeasured second at that rate; `wrap` measures its cost.
 */
export async function latencyWindow(
  perSecond: number,
  send: Send,
  wrap: (phase: () => Promise<LoadResult>) => Promise<LoadResult> = (phase) => phase(),
): Promise<{ p50: number; p99: number; errors: number }> {
  // The settling second: the window then starts from that rate's steady state, not from what came before it (the
  // backlog of a maximum-throughput phase, or kept-alive sockets idle while another window ran).
  const settle = await openLoop(perSecond, CLIENTS, 1, send);
  const w = await wrap(() => openLoop(perSecond, CLIENTS, SECONDS, send));
  return { p50: percentile(w.latenciesMs, 50), p99: percentile(w.latenciesMs, 99), errors: settle.errors + w.errors };
}

/** Latency windows of one sender at its own half load (a baseline's row in the table), in ROUNDS rounds. */
async function latencyRounds(perSecond: number, send: Send): Promise<Windows & { errors: number }> {
  const out = { p50: [] as number[], p99: [] as number[], errors: 0 };
  for (let i = 0; i < ROUNDS; i++) {
    const w = await latencyWindow(perSecond, send);
    out.p50.push(w.p50);
    out.p99.push(w.p99);
    out.errors += w.errors;
  }
  return out;
}

/** The two baselines' senders, kept open for the whole run so that every gateway latency window can be paired. */
export interface Baselines {
  soap: Send;
  json: Send;
}

/**
 * The gateway's latency at `perSecond` in `rounds` paired rounds: bare SOAP, bare OCPP-J, then the gateway, each one
 * window at the same rate. The baselines run at the gateway's rate, not at half of their own maximum: the same load
 * on both sides of the subtraction.
 */
export async function pairedLatency(
  perSecond: number,
  send: Send,
  baselines: Baselines,
  rounds: number,
  wrap?: (phase: () => Promise<LoadResult>) => Promise<LoadResult>,
): Promise<PairedLatency> {
  const windows = (): Windows => ({ p50: [], p99: [] });
  const out = { gateway: windows(), bareSoap: windows(), bareJson: windows() };
  let errors = 0;
  const push = (into: Windows, w: { p50: number; p99: number }) => {
    into.p50.push(w.p50);
    into.p99.push(w.p99);
  };
  for (let i = 0; i < rounds; i++) {
    const soap = await latencyWindow(perSecond, baselines.soap);
    const json = await latencyWindow(perSecond, baselines.json);
    const gw = await latencyWindow(perSecond, send, wrap);
    errors += gw.errors;
    push(out.bareSoap, soap);
    push(out.bareJson, json);
    push(out.gateway, gw);
  }
  const added = pairedAdded(out.gateway, out.bareSoap, out.bareJson);
  return {
    rate: perSecond,
    ...out,
    added: added.added,
    p50: median(out.gateway.p50),
    p99: median(out.gateway.p99),
    addedP50: added.p50,
    addedP99: added.p99,
    errors,
  };
}

/** A baseline: maximum throughput (closed loop), then latency at half of it (open loop), in rounds. */
export async function measureBaseline(name: string, send: Send): Promise<Measured> {
  await closedLoop(CLIENTS, WARM_UP_SECONDS, send); // warm-up: JIT, connections
  const max = await closedLoop(CLIENTS, SECONDS, send);
  const latency = await latencyRounds(rate(max) / 2, send);
  const m: Measured = {
    throughput: rate(max),
    p50: median(latency.p50),
    p99: median(latency.p99),
    errors: max.errors + latency.errors,
    rounds: { throughput: [rate(max)], p50: latency.p50, p99: latency.p99 },
  };
  log(
    `${name}: ${m.throughput.toFixed(0)} msg/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms at half load, ${m.errors} errors`,
  );
  return m;
}

/**
 * A gateway mode: ROUNDS maximum-throughput rounds, each followed by bare SOAP (`bareThroughput`), so that every round
 * has a baseline on each side of it; then latency at half of the median maximum in `pairedRounds` paired rounds. Each
 * gateway phase is measured for its cost per message.
 */
export async function measureGateway(
  name: string,
  gw: Gateway,
  redis: Redis | undefined,
  send: Send,
  bareBefore: number,
  bareThroughput: () => Promise<number>,
  baselines: Baselines,
  pairedRounds: number,
): Promise<{ measured: GatewayMeasured; bareAfter: number }> {
  const maxCosts: PhaseCost[] = [];
  const halfCosts: PhaseCost[] = [];
  const withCost = (into: PhaseCost[]) => async (phase: () => Promise<LoadResult>) => {
    const { result, cost } = await costOf(gw, redis, phase);
    into.push(cost);
    return result;
  };
  await closedLoop(CLIENTS, WARM_UP_SECONDS, send); // warm-up: JIT, connections, one WebSocket per charger
  const throughputs: number[] = [];
  const ratios: number[] = [];
  const bares: number[] = [];
  let before = bareBefore;
  let errors = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const max = await withCost(maxCosts)(() => closedLoop(CLIENTS, SECONDS, send));
    errors += max.errors;
    const after = await bareThroughput();
    throughputs.push(rate(max));
    ratios.push(rate(max) / ((before + after) / 2));
    bares.push(after);
    before = after;
  }
  const throughput = median(throughputs);
  log(`${name}: ${throughput.toFixed(0)} msg/s (rounds ${list(throughputs, 0)}; ratios ${list(ratios, 2)})`);
  const latency = await pairedLatency(throughput / 2, send, baselines, pairedRounds, withCost(halfCosts));
  logLatency(name, latency);
  const measured: GatewayMeasured = {
    throughput,
    p50: latency.p50,
    p99: latency.p99,
    errors: errors + latency.errors,
    rounds: { throughput: throughputs, p50: latency.gateway.p50, p99: latency.gateway.p99 },
    costAtMax: medianCost(maxCosts),
    costAtHalf: medianCost(halfCosts),
    costRounds: { max: maxCosts, half: halfCosts },
    bareSoapThroughput: median([bareBefore, ...bares]),
    throughputRatio: median(ratios),
    ratioRounds: ratios,
    latency,
    addedP50: latency.addedP50,
    addedP99: latency.addedP99,
  };
  if (measured.errors > 0) log(`${name}: ${measured.errors} errors`);
  const calls = (c: PhaseCost) =>
    c.evalshaPerMessage === undefined
      ? ''
      : `, ${c.evalshaPerMessage.toFixed(2)} EVALSHA + ${c.bzpopminPerMessage!.toFixed(2)} BZPOPMIN per message`;
  for (const [phase, c, rounds] of [
    ['max', measured.costAtMax, maxCosts],
    ['half', measured.costAtHalf, halfCosts],
  ] as const) {
    log(
      `${name} at ${phase} load: ${c.cpuMicrosPerMessage.toFixed(0)} us CPU per message, ${(c.directShare * 100).toFixed(0)}% delivered directly, ${c.messagesPerJob.toFixed(2)} messages per job${calls(c)}`,
    );
    log(`  per round: ${costRounds(rounds, redis !== undefined)}`);
    if (gw.dataDir) log(`${name} at ${phase} load: ${storeWork(c)}`);
  }
  return { measured, bareAfter: before };
}

/** Each round's CPU per message, and with Redis the share delivered directly and the messages per job, for the log. */
export function costRounds(rounds: readonly PhaseCost[], redis: boolean): string {
  const cpu = rounds.map((c) => c.cpuMicrosPerMessage);
  const direct = rounds.map((c) => c.directShare * 100);
  const perJob = rounds.map((c) => c.messagesPerJob);
  const text = `${list(cpu, 0)} us CPU per message`;
  return redis ? `${text}; ${list(direct, 0)}% delivered directly; ${list(perJob, 2)} messages per job` : text;
}

/** The durable store's work in a phase, for the log (bench/README.md, "Method": the store's commits). */
export const storeWork = (c: PhaseCost) =>
  `${c.store.commitsPerSecond.toFixed(1)} store commits/s, ${c.store.messagesPerCommit.toFixed(2)} messages written per commit (${(c.store.writtenShare * 100).toFixed(1)}% of the messages answered), ${c.store.commitErrors} commit errors`;

/** The rounds of a paired latency measurement, on stderr: the gateway's windows and the baselines' beside them. */
export function logLatency(name: string, l: PairedLatency): void {
  log(
    `${name} at ${l.rate.toFixed(0)} msg/s: p50 ${l.p50.toFixed(2)} ms (${list(l.gateway.p50, 2)}), p99 ${l.p99.toFixed(2)} ms (${list(l.gateway.p99, 2)})`,
  );
  log(`  bare SOAP at that rate: p99 ${list(l.bareSoap.p99, 2)} ms; bare OCPP-J: p99 ${list(l.bareJson.p99, 2)} ms`);
  log(
    `  added, per round: p50 ${list(l.added.p50, 2)} ms, p99 ${list(l.added.p99, 2)} ms; medians ${l.addedP50.toFixed(2)} / ${l.addedP99.toFixed(2)} ms`,
  );
}
