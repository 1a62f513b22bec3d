/**
 * Memory of a gateway that has carried some traffic (bench/README.md, "Method": memory after traffic). The fleet steps
 * read a fresh process right after its chargers booted; V8 grows its young generation as objects survive collections,
 * whatever the number of chargers, so a gateway that has run for a minute holds more than the idle and fleet rows say.
 */
import type { Agent } from 'node:http';
import { gatewayMetrics } from './costs.js';
import { bootRequest, meterValuesRequest } from './envelopes.js';
import { openLoop } from './load.js';
import { peakRssMiB, rssMiB, startGateway } from './processes.js';
import { soapSender } from './rounds.js';
import { log, quick, sleep } from './settings.js';

const CHARGERS = 100;
const RATE = 50;
const SECONDS = quick ? 15 : 60;
const SAMPLE_EVERY_S = quick ? 5 : 15;

export interface MemorySample {
  atS: number;
  rssMiB: number;
  /** V8's young generation (both semi-spaces) and old space as committed, MiB (the gateway's heap-space gauges). */
  newSpaceMiB: number;
  oldSpaceMiB: number;
  /** The trace's text buffer written so far (resident, outside the heap; `ocppgw_trace_buffer_bytes`), MiB. */
  traceBufferMiB: number;
}

export interface MemoryAfterTraffic {
  chargers: number;
  rate: number;
  seconds: number;
  /** Right after the boots, then every SAMPLE_EVERY_S seconds of traffic. */
  samples: MemorySample[];
  peakRssMiB: number;
  errors: number;
}

async function sample(gw: Awaited<ReturnType<typeof startGateway>>, atS: number): Promise<MemorySample> {
  const value = await gatewayMetrics(gw);
  const space = (name: string) => value(`ocppgw_nodejs_heap_space_size_total_bytes{space="${name}"}`) / 2 ** 20;
  return {
    atS,
    rssMiB: rssMiB(gw.child.pid!),
    newSpaceMiB: space('new'),
    oldSpaceMiB: space('old'),
    traceBufferMiB: value('ocppgw_trace_buffer_bytes') / 2 ** 20,
  };
}

/** A fresh durable gateway, CHARGERS booted, then MeterValues of them at RATE msg/s for SECONDS seconds. */
export async function measureMemoryAfterTraffic(agent: Agent, csmsPort: number): Promise<MemoryAfterTraffic> {
  const gw = await startGateway(csmsPort, {}, true);
  const boot = soapSender(agent, gw.url, 'steady', bootRequest);
  let errors = 0;
  for (let i = 0; i < CHARGERS; i++) if (!(await boot(i, i))) errors++;
  await sleep(1_000);
  const samples = [await sample(gw, 0)];
  // Read in turn every SAMPLE_EVERY_S seconds while the traffic runs (a read waits for the one before it).
  let reading = Promise.resolve();
  const timer = setInterval(() => {
    const atS = samples.length * SAMPLE_EVERY_S;
    reading = reading.then(async () => void samples.push(await sample(gw, atS)));
  }, SAMPLE_EVERY_S * 1000);
  // MessageIDs past those of the boots.
  const meterValues = soapSender(agent, gw.url, 'steady', (identity, seq) => meterValuesRequest(identity, 1_000 + seq));
  const traffic = await openLoop(RATE, CHARGERS, SECONDS, meterValues).finally(() => clearInterval(timer));
  await reading;
  // The last reading at the end of the traffic, if the timer's tick came after it.
  if (samples.at(-1)!.atS < SECONDS) samples.push(await sample(gw, SECONDS));
  errors += traffic.errors;
  const result = {
    chargers: CHARGERS,
    rate: RATE,
    seconds: SECONDS,
    samples,
    peakRssMiB: peakRssMiB(gw.child.pid!),
    errors,
  };
  await gw.stop();
  log(
    `memory after traffic: ${samples.map((s) => `${s.atS} s ${s.rssMiB.toFixed(0)} MiB (young ${s.newSpaceMiB.toFixed(0)}, old ${s.oldSpaceMiB.toFixed(0)}, trace ${s.traceBufferMiB.toFixed(1)})`).join('; ')}; peak ${result.peakRssMiB.toFixed(0)} MiB, ${errors} errors`,
  );
  return result;
}

/** The table's row (bench/report.ts): compare with the idle and fleet rows above it. */
export function memoryAfterTrafficRow(m: MemoryAfterTraffic): string[] {
  const last = m.samples.at(-1)!;
  return [
    `gateway with ${m.chargers} chargers after ${m.seconds} s of MeterValues at ${m.rate} msg/s`,
    `RSS ${last.rssMiB.toFixed(0)} MiB, peak ${m.peakRssMiB.toFixed(0)} MiB`,
    `RSS ${m.samples.map((s) => s.rssMiB.toFixed(0)).join(', ')} MiB every ${m.samples[1] ? m.samples[1].atS - m.samples[0]!.atS : 0} s from the boots on; V8's young generation ${m.samples.map((s) => s.newSpaceMiB.toFixed(0)).join(', ')} MB, old space ${m.samples.map((s) => s.oldSpaceMiB.toFixed(0)).join(', ')} MB, trace buffer ${m.samples.map((s) => s.traceBufferMiB.toFixed(1)).join(', ')} MiB; ${m.errors} errors`,
    'diagnostic (the idle and fleet rows are read from a fresh process)',
    '',
  ];
}
