/**
 * `npm run bench -- --observing`: only the full run's last row, the trace and the per-message metrics as a share of a
 * message's instructions (bench/README.md, "Trace and metrics on and off"): this build with both on and with
 * `TRACE=false MESSAGE_METRICS=false`, two durable gateways counted side by side under callgrind. A few minutes
 * instead of the full run's ten, and other processes on the machine do not move it. The row goes to stdout, the
 * counts to bench/results/observing.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { CsmsStub } from './csms-stub.js';
import { countObserving, MEASURED, WARM_UP } from './instructions.js';
import { buildGateway } from './processes.js';
import { observingRow } from './report.js';
import { log } from './settings.js';

export async function measureObserving(): Promise<void> {
  buildGateway();
  const stub = new CsmsStub();
  const csmsPort = await stub.ready();
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  try {
    const observing = await countObserving(agent, csmsPort);
    console.log(
      `\n(callgrind; ${WARM_UP} messages of warm-up, ${MEASURED} counted; V8's optimising compiler and its full collections left out)\n`,
    );
    console.log('| measure | value | detail | target | result |\n|---|---|---|---|---|');
    console.log(`| ${observingRow(observing).join(' | ')} |`);
    if (observing.on.errors + observing.off.errors > 0)
      console.log(`\nNot valid: ${observing.on.errors} / ${observing.off.errors} errors (on / off); run it again.`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      'bench/results/observing.json',
      `${JSON.stringify({ warmUp: WARM_UP, measured: MEASURED, ...observing }, null, 2)}\n`,
    );
    log('results in bench/results/observing.json');
  } finally {
    stub.close();
    agent.destroy();
  }
}
