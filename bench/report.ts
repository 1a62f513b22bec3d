/**
 * The run's outputs: every figure, round and window as JSON in bench/results/latest.json, and the table on stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Command, Fleet } from './command-and-fleet.js';
import { staleSocketRetries } from './load.js';
import { errorKinds, type GatewayMeasured, type Measured, type PairedLatency } from './rounds.js';
import { LATENCY_ROUNDS, log, ROUNDS, SECONDS } from './settings.js';

export function writeResults(results: Record<string, unknown>): void {
  if (errorKinds.size > 0) log(`errors by kind: ${[...errorKinds].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  log(`requests sent again after the server closed a kept-alive socket: ${staleSocketRetries.count}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
}

export function printTable(
  soapM: Measured,
  jsonM: Measured,
  gw: Record<string, GatewayMeasured>,
  sameLoad: PairedLatency,
  command: Command,
  fleet: Fleet,
): void {
  const f = (n: number, d = 2) => n.toFixed(d);
  const check = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const e = gw.embedded!;
  const r = gw.redis!;
  const r16 = gw.redis16!;
  // With rounds, the ratio is their median and the rounds are listed: how far apart they are says how noisy the
  // run was. An added latency is the median of its rounds' differences; the p99 rounds are listed for the same reason.
  const added = (l: PairedLatency) => `p99 ${f(l.addedP99)} ms${l.added.p99.length > 1 ? `; rounds ${l.added.p99.map((x) => f(x, 1)).join(', ')}` : ''}`;
  const ratio = (m: GatewayMeasured) =>
    `${f(m.throughputRatio)} x bare SOAP (${f(m.bareSoapThroughput, 0)} msg/s around it)${m.ratioRounds.length > 1 ? `; rounds ${m.ratioRounds.map((x) => f(x)).join(', ')}` : ''}`;
  const rows: string[][] = [
    ['bare SOAP (baseline)', `${f(soapM.throughput, 0)} msg/s`, `p50 ${f(soapM.p50)} / p99 ${f(soapM.p99)} ms at half its maximum`, '', ''],
    ['bare OCPP-J (baseline)', `${f(jsonM.throughput, 0)} msg/s`, `p50 ${f(jsonM.p50)} / p99 ${f(jsonM.p99)} ms at half its maximum`, '', ''],
    ['gateway, embedded: throughput', `${f(e.throughput, 0)} msg/s`, ratio(e), '>= 0.50 x', check(e.throughputRatio >= 0.5)],
    [`gateway, embedded: added latency at ${f(e.latency.rate, 0)} msg/s`, `p50 ${f(e.addedP50)} ms`, added(e.latency), 'p50 <= 2, p99 <= 10 ms', check(e.addedP50 <= 2 && e.addedP99 <= 10)],
    ['gateway, Redis: throughput', `${f(r.throughput, 0)} msg/s`, ratio(r), '>= 0.35 x', check(r.throughputRatio >= 0.35)],
    [`gateway, Redis: added latency at ${f(r.latency.rate, 0)} msg/s`, `p50 ${f(r.addedP50)} ms`, added(r.latency), 'p50 <= 4, p99 <= 20 ms', check(r.addedP50 <= 4 && r.addedP99 <= 20)],
    [`gateway, Redis: added latency at ${f(sameLoad.rate, 0)} msg/s`, `p50 ${f(sameLoad.addedP50)} ms`, added(sameLoad), 'same load as the 16-partition row', ''],
    ['gateway, Redis, 16 partitions: throughput', `${f(r16.throughput, 0)} msg/s`, ratio(r16), 'for comparison', ''],
    [`gateway, Redis, 16 partitions: added latency at ${f(r16.latency.rate, 0)} msg/s`, `p50 ${f(r16.addedP50)} ms`, added(r16.latency), 'for comparison', ''],
    ['CSMS -> charger RemoteStart', `p50 ${f(command.gatewayP50)} ms`, `added p50 ${f(command.addedP50)} ms`, 'added p50 <= 5 ms', check(command.addedP50 <= 5)],
    ...fleet.steps.map((s) => [`fleet: ${s.chargers} chargers`, `RSS ${f(s.rssMiB, 0)} MiB`, `${s.connected} WebSockets, ${s.errors} errors`, s.chargers === 10_000 ? '<= 1024 MiB' : '', s.chargers === 10_000 ? check(s.rssMiB <= 1024 && s.errors === 0) : '']),
    [`burst: ${fleet.burst.heartbeats} heartbeats`, `${f(fleet.burst.seconds)} s`, `${fleet.burst.errors} errors`, fleet.burst.heartbeats === 10_000 ? '<= 10 s, 0 errors' : '', fleet.burst.heartbeats === 10_000 ? check(fleet.burst.seconds <= 10 && fleet.burst.errors === 0) : ''],
  ];
  // Diagnostics: why a mode's latency at half load differs from its maximum (the cost per message is not constant).
  const costRow = (label: string, m: GatewayMeasured): string[] => {
    const calls = m.costAtHalf.evalshaPerMessage === undefined ? '' : `; at half load ${f(m.costAtHalf.evalshaPerMessage)} EVALSHA + ${f(m.costAtHalf.bzpopminPerMessage!)} BZPOPMIN per message`;
    const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
    const direct = m.costAtHalf.evalshaPerMessage === undefined ? '' : `${pct(m.costAtMax.directShare)} / ${pct(m.costAtHalf.directShare)} delivered directly; `;
    return [
      `${label}: gateway CPU per message, max / half load`,
      `${f(m.costAtMax.cpuMicrosPerMessage, 0)} / ${f(m.costAtHalf.cpuMicrosPerMessage, 0)} us`,
      `${direct}${f(m.costAtMax.messagesPerJob)} / ${f(m.costAtHalf.messagesPerJob)} messages per BullMQ job${calls}`,
      'diagnostic',
      '',
    ];
  };
  rows.splice(rows.findIndex((row) => row[0] === 'CSMS -> charger RemoteStart'), 0, costRow('embedded', e), costRow('Redis', r), costRow('Redis, 16 partitions', r16));
  const header = ['measure', 'value', 'detail', 'target', 'result'];
  console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  const rounds = ROUNDS > 1 ? `medians of rounds of ${SECONDS} s (throughput ${ROUNDS}, added latency ${LATENCY_ROUNDS} paired with bare SOAP and bare OCPP-J at the same rate, the comparison rows ${ROUNDS}); ` : '';
  console.log(`\n${rounds}machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; gateway baseline RSS ${f(fleet.baselineRssMiB, 0)} MiB`);
  console.log('results: bench/results/latest.json');
}
