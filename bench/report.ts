/**
 * The run's outputs: every figure, round and window as JSON in bench/results/latest.json, and the table on stdout
 * (bench/README.md, "Reading the table").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Command, Fleet } from './command-and-fleet.js';
import { type FleetApiResults, fleetApiRows } from './fleet-figures.js';
import type { InstructionCount } from './instructions.js';
import { staleSocketRetries } from './load.js';
import type { Outage } from './outage.js';
import { errorKinds, type GatewayMeasured, type Measured, type PairedLatency } from './rounds.js';
import { LATENCY_ROUNDS, log, ROUNDS, SECONDS } from './settings.js';
import type { ProtocolComparison, RouteComparison } from './variants.js';
import { check } from './stats.js';
import { stallRow } from './stall.js';
import { type MemoryAfterTraffic, memoryAfterTrafficRow } from './memory-after-traffic.js';
import { type WrkResult, wrkRows } from './wrk.js';

export function writeResults(results: Record<string, unknown>): void {
  if (errorKinds.size > 0) log(`errors by kind: ${[...errorKinds].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  log(`requests sent again after the server closed a kept-alive socket: ${staleSocketRetries.count}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
}

const f = (n: number, d = 2) => n.toFixed(d);

/** The trace and the per-message metrics on and off: instructions per message of each (bench/instructions.ts). */
export interface Observing {
  on: InstructionCount;
  off: InstructionCount;
}

const fullCollections = (c: InstructionCount) => `${(c.fullCollectionsPerMessage / 1000).toFixed(0)} k`;

export function observingRow(o: Observing): string[] {
  // Timer work left out of both (bench/README.md, "Method"): it is the same with the trace on or off.
  const [on, off] = [o.on.withoutTimersPerMessage, o.off.withoutTimersPerMessage];
  const share = (on - off) / on;
  return [
    'trace and per-message metrics: share of a message',
    pct(share, 1),
    `${(on / 1000).toFixed(0)} k instructions per message with them, ${(off / 1000).toFixed(0)} k with TRACE=false MESSAGE_METRICS=false ` +
      `(durable store, timer work and full collections left out; these ${fullCollections(o.on)} / ${fullCollections(o.off)})`,
    '< 5%',
    check(share < 0.05),
  ];
}
const pct = (share: number, d = 0) => `${(share * 100).toFixed(d)}%`;
// With rounds, the ratio is their median and the rounds are listed: how far apart they are says how noisy the run
// was. An added latency is the median of its rounds' differences; the p99 rounds are listed for the same reason.
const added = (l: PairedLatency) =>
  `p99 ${f(l.addedP99)} ms${l.added.p99.length > 1 ? `; rounds ${l.added.p99.map((x) => f(x, 1)).join(', ')}` : ''}`;
const ratio = (m: GatewayMeasured) =>
  `${f(m.throughputRatio)} x bare SOAP (${f(m.bareSoapThroughput, 0)} msg/s around it)${m.ratioRounds.length > 1 ? `; rounds ${m.ratioRounds.map((x) => f(x)).join(', ')}` : ''}`;

/**
 * A gateway mode's two rows: throughput, and added latency at half load; `target` gives each row's target and check.
 */
function modeRows(label: string, m: GatewayMeasured, target?: { ratio: number; p50: number; p99: number }): string[][] {
  return [
    [
      `${label}: throughput`,
      `${f(m.throughput, 0)} msg/s`,
      ratio(m),
      target ? `>= ${f(target.ratio)} x` : 'for comparison',
      target ? check(m.throughputRatio >= target.ratio) : '',
    ],
    [
      `${label}: added latency at ${f(m.latency.rate, 0)} msg/s`,
      `p50 ${f(m.addedP50)} ms`,
      added(m.latency),
      target ? `p50 <= ${target.p50}, p99 <= ${target.p99} ms` : 'for comparison',
      target ? check(m.addedP50 <= target.p50 && m.addedP99 <= target.p99) : '',
    ],
  ];
}

/** Diagnostics: why a mode's latency at half load differs from its maximum (the cost per message is not constant). */
function costRow(label: string, m: GatewayMeasured): string[] {
  const calls =
    m.costAtHalf.evalshaPerMessage === undefined
      ? ''
      : `; at half load ${f(m.costAtHalf.evalshaPerMessage)} EVALSHA + ${f(m.costAtHalf.bzpopminPerMessage!)} BZPOPMIN per message`;
  const direct =
    m.costAtHalf.evalshaPerMessage === undefined
      ? ''
      : `${pct(m.costAtMax.directShare)} / ${pct(m.costAtHalf.directShare)} delivered directly; `;
  return [
    `${label}: gateway CPU per message, max / half load`,
    `${f(m.costAtMax.cpuMicrosPerMessage, 0)} / ${f(m.costAtHalf.cpuMicrosPerMessage, 0)} us`,
    `${direct}${f(m.costAtMax.messagesPerJob)} / ${f(m.costAtHalf.messagesPerJob)} messages per BullMQ job${calls}`,
    'diagnostic',
    '',
  ];
}

/**
 * The event-loop delay p99 at maximum and at half load (median of the rounds), and the longest seen; the target (the
 * durable store's commits do not block the loop) is checked at half load, where a saturated loop is not the cause.
 */
function loopDelayRow(label: string, m: GatewayMeasured, target?: number): string[] {
  return [
    `${label}: event-loop delay p99, max / half load`,
    `${f(m.costAtMax.loopDelayP99Ms, 1)} / ${f(m.costAtHalf.loopDelayP99Ms, 1)} ms`,
    `longest ${f(Math.max(m.costAtMax.loopDelayMaxMs, m.costAtHalf.loopDelayMaxMs), 1)} ms`,
    target ? `p99 < ${target} ms at half load` : 'diagnostic',
    target ? check(m.costAtHalf.loopDelayP99Ms < target) : '',
  ];
}

/** Diagnostics: the durable store's commits at maximum and at half load, and its size when the mode was done. */
function storeRow(label: string, m: GatewayMeasured): string[] {
  const [max, half] = [m.costAtMax.store, m.costAtHalf.store];
  return [
    `${label}: store commits, max / half load`,
    `${f(max.commitsPerSecond, 1)} / ${f(half.commitsPerSecond, 1)} commits/s`,
    `${f(max.messagesPerCommit)} / ${f(half.messagesPerCommit)} messages written per commit (${pct(max.writtenShare, 1)} / ${pct(half.writtenShare, 1)} of the messages answered); ` +
      `${max.commitErrors + half.commitErrors} commit errors; store ${m.storeBytesAtEnd ?? 0} bytes at the end`,
    'diagnostic',
    '',
  ];
}

/** The outage probe: stored MeterValues acknowledged while the CSMS cannot be reached (group commit at work). */
function outageRow(o: Outage): string[] {
  const s = o.cost.store;
  return [
    'embedded (durable), CSMS unreachable: stored MeterValues',
    `${f(o.throughput, 0)} msg/s acknowledged`,
    `${f(o.throughputRatio)} x bare SOAP (${f(o.bareSoapThroughput, 0)} msg/s around it); ${f(s.commitsPerSecond, 1)} commits/s, ${f(s.messagesPerCommit)} messages per commit; ` +
      `p50 ${f(o.p50)} / p99 ${f(o.p99)} ms; ${o.errors} errors, ${s.commitErrors} commit errors; ${o.storedAtEnd} messages stored, store ${o.storeBytesAtEnd} bytes at the end`,
    'diagnostic',
    '',
  ];
}

/** The memory targets: peak RSS with this many booted chargers (idle: none), MiB. */
const MEMORY_TARGETS: Record<number, number> = { 1000: 100, 10000: 250 };

function fleetRows(fleet: Fleet & { afterTraffic?: MemoryAfterTraffic }): string[][] {
  const full = (n: number) => n === 10_000;
  return [
    [
      'gateway idle (durable store, empty)',
      `RSS ${f(fleet.baselineRssMiB, 0)} MiB`,
      `/health answered ${f(fleet.startMs, 0)} ms after the process started`,
      '<= 80 MiB; start <= 1 s',
      check(fleet.baselineRssMiB <= 80 && fleet.startMs <= 1_000),
    ],
    ...fleet.steps.map((s) => {
      const target = MEMORY_TARGETS[s.chargers];
      return [
        `fleet: ${s.chargers} booted chargers`,
        `RSS ${f(s.rssMiB, 0)} MiB, peak ${f(s.peakRssMiB, 0)} MiB`,
        `${s.connected} WebSockets, ${s.errors} errors`,
        target ? `peak <= ${target} MiB` : '',
        target ? check(s.peakRssMiB <= target && s.errors === 0) : '',
      ];
    }),
    ...(fleet.afterTraffic ? [memoryAfterTrafficRow(fleet.afterTraffic)] : []),
    [
      `burst: ${fleet.burst.heartbeats} heartbeats`,
      `${f(fleet.burst.seconds)} s`,
      `${fleet.burst.errors} errors; peak RSS ${f(fleet.burst.peakRssMiB, 0)} MiB at the end`,
      full(fleet.burst.heartbeats) ? '<= 10 s, 0 errors' : '',
      full(fleet.burst.heartbeats) ? check(fleet.burst.seconds <= 10 && fleet.burst.errors === 0) : '',
    ],
  ];
}

/** The rows of the instruction counts: the trace and metrics on and off, then the fleet API's rows. */
const countRows = (observing?: Observing, fleetApi?: FleetApiResults): string[][] => [
  ...(observing ? [observingRow(observing)] : []),
  ...(fleetApi ? fleetApiRows(fleetApi) : []),
];

/** The comparisons beside the modes: the measures with wrk, the upstreams and dialects, the routes. */
export interface Variants {
  protocols: ProtocolComparison;
  routes: RouteComparison;
  wrk?: WrkResult;
}

/** The rows of the upstream and dialect comparisons (also `npm run bench -- --protocols`). */
export function protocolRows(protocols: ProtocolComparison): string[][] {
  return [
    [
      'OCPP 2.0.1 upstream: throughput',
      `${f(protocols.ocpp201, 0)} msg/s`,
      `${f(protocols.ratio)} x the 1.6 upstream (${f(protocols.ocpp16, 0)} msg/s)${protocols.rounds.ratio.length > 1 ? `; rounds ${protocols.rounds.ratio.map((x) => f(x)).join(', ')}` : ''}; gateway CPU per message ${f(protocols.cpuPerMessage.ocpp201, 0)} / ${f(protocols.cpuPerMessage.ocpp16, 0)} us (2.0.1 / 1.6)`,
      '>= 0.90 x 1.6',
      check(protocols.ratio >= 0.9),
    ],
    [
      'OCPP 1.6 SOAP chargers: throughput',
      `${f(protocols.soap16.throughput, 0)} msg/s`,
      `${f(protocols.soap16.ratio)} x 1.5 SOAP chargers on the same gateway`,
      '>= 0.90 x 1.5 SOAP',
      check(protocols.soap16.ratio >= 0.9),
    ],
  ];
}

/** The rows of the protocol and route comparisons and of the CSMS -> charger command. */
function variantRows({ protocols, routes }: Variants, command: Command): string[][] {
  return [
    ...protocolRows(protocols),
    [
      `migration: legacy+shadow at ${f(routes.rate, 0)} msg/s`,
      `added p50 ${f(routes.addedP50)} ms`,
      `half its maximum of ${f(routes.maximum.shadow, 0)} msg/s (legacy alone ${f(routes.maximum.legacy, 0)}); p50 ${routes.shadow.map((x) => f(x)).join(', ')} ms against legacy ${routes.legacy.map((x) => f(x)).join(', ')} ms`,
      'added p50 <= 2 ms',
      check(routes.addedP50 <= 2),
    ],
    [
      'CSMS -> charger RemoteStart',
      `p50 ${f(command.gatewayP50)} ms`,
      `added p50 ${f(command.addedP50)} ms`,
      'added p50 <= 5 ms',
      check(command.addedP50 <= 5),
    ],
  ];
}

export function printTable(
  soapM: Measured,
  jsonM: Measured,
  gw: Record<string, GatewayMeasured>,
  sameLoad: PairedLatency,
  command: Command,
  outage: Outage,
  fleet: Fleet & { afterTraffic?: MemoryAfterTraffic },
  variants: Variants,
  observing?: Observing,
  fleetApi?: FleetApiResults,
): void {
  const [e, mem, r, r16] = [gw.embedded!, gw.memory!, gw.redis!, gw.redis16!];
  const rows: string[][] = [
    [
      'bare SOAP (baseline)',
      `${f(soapM.throughput, 0)} msg/s`,
      `p50 ${f(soapM.p50)} / p99 ${f(soapM.p99)} ms at half its maximum`,
      '',
      '',
    ],
    [
      'bare OCPP-J (baseline)',
      `${f(jsonM.throughput, 0)} msg/s`,
      `p50 ${f(jsonM.p50)} / p99 ${f(jsonM.p99)} ms at half its maximum`,
      '',
      '',
    ],
    ...modeRows('gateway, embedded (durable store)', e, { ratio: 0.8, p50: 2, p99: 10 }),
    ...modeRows('gateway, embedded (STORE=memory)', mem, { ratio: 0.9, p50: 2, p99: 10 }),
    ...modeRows('gateway, Redis', r, { ratio: 0.55, p50: 2, p99: 20 }),
    ...(variants.wrk ? wrkRows(variants.wrk) : []),
    [
      `gateway, Redis: added latency at ${f(sameLoad.rate, 0)} msg/s`,
      `p50 ${f(sameLoad.addedP50)} ms`,
      added(sameLoad),
      'same load as the 16-partition row',
      '',
    ],
    ...(r.stall ? [stallRow(r.stall, check)] : []),
    ...modeRows('gateway, Redis, 16 partitions', r16),
    costRow('embedded (durable store)', e),
    storeRow('embedded (durable store)', e),
    loopDelayRow('embedded (durable store)', e, 5),
    costRow('embedded (STORE=memory)', mem),
    loopDelayRow('embedded (STORE=memory)', mem),
    costRow('Redis', r),
    loopDelayRow('Redis', r),
    costRow('Redis, 16 partitions', r16),
    ...countRows(observing, fleetApi),
    outageRow(outage),
    ...variantRows(variants, command),
    ...fleetRows(fleet),
  ];
  const header = ['measure', 'value', 'detail', 'target', 'result'];
  console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  const rounds =
    ROUNDS > 1
      ? `medians of rounds of ${SECONDS} s (throughput ${ROUNDS}, added latency ${LATENCY_ROUNDS} paired with bare SOAP and bare OCPP-J at the same rate, the comparison rows ${ROUNDS}); `
      : '';
  console.log(
    `\n${rounds}machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; gateway baseline RSS ${f(fleet.baselineRssMiB, 0)} MiB`,
  );
  console.log('results: bench/results/latest.json');
}
