import type { TestCsms } from './csms-peer.js';
import { envelope } from './soap.js';

/**
 * The reliability suites' fleet and tally (test/README.md): simulated SOAP chargers that behave like real ones, and
 * the count of what the CSMS got against what the chargers were told is stored.
 */

/** A MeterValues request of `identity` whose one sampled value is `sample`. */
export function meterValuesEnvelope(identity: string, sample: string): string {
  return envelope(
    `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:values><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:value context="Sample.Periodic">${sample}</cs:value></cs:values></cs:meterValuesRequest>`,
    { identity },
  );
}

export interface Tally {
  scenario: string;
  acknowledged: number;
  delivered: number;
  lost: number;
  duplicated: number;
  /** Per charger, a sample first delivered after a later one of the same charger (`cp-3: #41 after #42`). */
  outOfOrder: string[];
  /** The slowest 200 answer the fleet got, and how many took over 1 s. */
  slowestAnswerMs: number;
  answersOver1s: number;
}

/** Simulated chargers: `count` of them, each sending numbered meter samples to the gateways in turn. */
export class Fleet {
  readonly acknowledged = new Set<string>();
  /** Each acknowledgement: when it came and how long its (last) request took. */
  readonly answers: { at: number; ms: number }[] = [];
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
      const body = meterValuesEnvelope(identity, sample);
      let acked = false;
      while (!acked && !this.stopped) {
        const targets = this.urls();
        const url = targets[turn++ % targets.length]!;
        try {
          const sent = Date.now();
          const res = await fetch(url, {
            method: 'POST',
            body,
            headers: { 'Content-Type': 'application/soap+xml' },
            signal: AbortSignal.timeout(8_000),
          });
          await res.text();
          acked = res.status === 200;
          if (acked) this.answers.push({ at: Date.now(), ms: Date.now() - sent });
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

function samplesDelivered(calls: TestCsms['calls'], prefix: string): string[] {
  return calls
    .filter((c) => c.action === 'MeterValues' && c.identity.startsWith(prefix))
    .map((c) => (c.payload.meterValue as { sampledValue: { value: string }[] }[])[0]!.sampledValue[0]!.value);
}

/**
 * Per charger, the samples in the order the CSMS first received them must be in the order the charger sent them
 * (a duplicate's later copies do not count). Returns the violations.
 */
function outOfOrder(delivered: string[]): string[] {
  const first = new Set<string>();
  const last = new Map<string, number>();
  const violations: string[] = [];
  for (const sample of delivered) {
    if (first.has(sample)) continue;
    first.add(sample);
    const hash = sample.lastIndexOf('#');
    const charger = sample.slice(0, hash);
    const seq = Number(sample.slice(hash + 1));
    const previous = last.get(charger);
    if (previous !== undefined && seq < previous) violations.push(`${charger}: #${seq} after #${previous}`);
    last.set(charger, Math.max(seq, previous ?? seq));
  }
  return violations;
}

/**
 * Waits until every acknowledged sample reached the CSMS (or the bound passes), then counts. `calls`: every call the
 * CSMS received (those of CSMS instances replaced during the scenario too).
 */
export async function tallyOf(
  scenario: string,
  calls: () => TestCsms['calls'],
  fleet: Fleet,
  prefix: string,
): Promise<Tally> {
  const deadline = performance.now() + 45_000;
  let delivered = samplesDelivered(calls(), prefix);
  while (performance.now() < deadline) {
    const got = new Set(delivered);
    if ([...fleet.acknowledged].every((s) => got.has(s))) break;
    await new Promise((r) => setTimeout(r, 250));
    delivered = samplesDelivered(calls(), prefix);
  }
  const unique = new Set(delivered);
  const row: Tally = {
    scenario,
    acknowledged: fleet.acknowledged.size,
    delivered: unique.size,
    lost: [...fleet.acknowledged].filter((s) => !unique.has(s)).length,
    duplicated: delivered.length - unique.size,
    outOfOrder: outOfOrder(delivered),
    slowestAnswerMs: Math.max(0, ...fleet.answers.map((a) => a.ms)),
    answersOver1s: fleet.answers.filter((a) => a.ms > 1_000).length,
  };
  return row;
}

/** Prints the scenarios' rows as the reliability suites report them. */
export function printTally(title: string, rows: Tally[]): void {
  console.log(`\n${title}`);
  console.log('| scenario | acknowledged | delivered | lost | duplicated | out of order | slowest answer (ms) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.scenario} | ${r.acknowledged} | ${r.delivered} | ${r.lost} | ${r.duplicated} | ${r.outOfOrder.length} | ${r.slowestAnswerMs} |`,
    );
}
