/**
 * Single rows of the full run, measured alone:
 * - `npm run bench -- --observing`: the trace and the per-message metrics as a share of a message's instructions
 *   (bench/README.md, "Trace and metrics on and off"): this build with both on and with `TRACE=false
 *   MESSAGE_METRICS=false`, two durable gateways counted side by side under callgrind. A few minutes instead of the
 *   full run's ten, and other processes on the machine do not move it. The counts go to bench/results/observing.json.
 * - `npm run bench -- --protocols`: the OCPP 2.0.1 upstream against the 1.6 one and the 1.6 SOAP chargers against the
 *   1.5 ones (bench/variants.ts), about two minutes; the rounds go to bench/results/protocols.json.
 * The rows go to stdout as the full run prints them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { CsmsStub } from './csms-stub.js';
import { countObserving, MEASURED, WARM_UP } from './instructions.js';
import { buildGateway } from './processes.js';
import { observingRow, protocolRows } from './report.js';
import { log } from './settings.js';
import { compareProtocols } from './variants.js';

/**
 * One measure alone: the gateway built, a CSMS stub started, the measure's rows printed under `heading` and its result
 * written to bench/results/<name>.json with `extra`; `invalid` says why a result does not count, when it does not.
 */
async function measureAlone<T extends object>(
  name: string,
  measure: (agent: Agent, csmsPort: number) => Promise<T>,
  report: {
    rows: (result: T) => string[][];
    heading: string;
    extra?: object;
    invalid?: (result: T) => string | undefined;
  },
): Promise<void> {
  buildGateway();
  const stub = new CsmsStub();
  const csmsPort = await stub.ready();
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  try {
    const result = await measure(agent, csmsPort);
    console.log(`\n(${report.heading})\n`);
    console.log('| measure | value | detail | target | result |\n|---|---|---|---|---|');
    for (const row of report.rows(result)) console.log(`| ${row.join(' | ')} |`);
    const invalid = report.invalid?.(result);
    if (invalid) console.log(`\nNot valid: ${invalid}; run it again.`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(`bench/results/${name}.json`, `${JSON.stringify({ ...report.extra, ...result }, null, 2)}\n`);
    log(`results in bench/results/${name}.json`);
  } finally {
    stub.close();
    agent.destroy();
  }
}

export const measureObserving = (): Promise<void> =>
  measureAlone('observing', countObserving, {
    rows: (observing) => [observingRow(observing)],
    heading: `callgrind; ${WARM_UP} messages of warm-up, ${MEASURED} counted; V8's optimising compiler and its full collections left out`,
    extra: { warmUp: WARM_UP, measured: MEASURED },
    invalid: ({ on, off }) =>
      on.errors + off.errors > 0 ? `${on.errors} / ${off.errors} errors (on / off)` : undefined,
  });

export const measureProtocols = (): Promise<void> =>
  measureAlone('protocols', compareProtocols, {
    rows: protocolRows,
    heading: "durable gateways side by side in alternating rounds of the full run's length",
  });
