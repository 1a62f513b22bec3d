/**
 * The outage probe (bench/README.md, "Method": the outage probe): an embedded gateway with the durable store whose CSMS
 * cannot be reached, and chargers sending MeterValues. Each one is stored and answered 200 only once a commit has put
 * it on disk, so the acknowledged rate is the rate of group commit at work: how many commits per second, how many
 * messages each.
 */
import type { Agent } from 'node:http';
import { costOf, gatewayMetrics, type PhaseCost } from './costs.js';
import { meterValuesRequest } from './envelopes.js';
import { closedLoop, percentile, rate } from './load.js';
import { freePort, startGateway } from './processes.js';
import { soapSender, storeWork } from './rounds.js';
import { CLIENTS, log, SECONDS, WARM_UP_SECONDS } from './settings.js';

export interface Outage {
  /** MeterValues acknowledged (HTTP 200, stored) per second, closed loop. */
  throughput: number;
  /** Over the mean of the bare SOAP measured just before and just after it, as in the throughput rounds. */
  throughputRatio: number;
  bareSoapThroughput: number;
  /** Time to the acknowledgement, which waits for the commit. */
  p50: number;
  p99: number;
  errors: number;
  /** Gateway CPU and the store's commits in the measured window. */
  cost: PhaseCost;
  /** Messages stored and waiting for the CSMS, and the store's size on disk, when the probe ends. */
  storedAtEnd: number;
  storeBytesAtEnd: number;
}

/**
 * The probe: a fresh durable gateway whose CSMS_URL is a closed port (the CSMS is never started), a warm-up of
 * WARM_UP_SECONDS and one window of SECONDS, both in closed loop with CLIENTS chargers, then one bare SOAP window.
 */
export async function measureOutage(
  agent: Agent,
  bareBefore: number,
  bareThroughput: () => Promise<number>,
): Promise<{ outage: Outage; bareAfter: number }> {
  // Every charger's connection attempts fail and each first stored message logs a warning; errors are what matters here.
  const gw = await startGateway(await freePort(), { LOG_LEVEL: 'error' }, true);
  const send = soapSender(agent, gw.url, 'gw-outage', meterValuesRequest);
  await closedLoop(CLIENTS, WARM_UP_SECONDS, send);
  const { result, cost } = await costOf(gw, undefined, () => closedLoop(CLIENTS, SECONDS, send));
  const bareAfter = await bareThroughput();
  const metrics = await gatewayMetrics(gw);
  await gw.stop();
  const outage: Outage = {
    throughput: rate(result),
    throughputRatio: rate(result) / ((bareBefore + bareAfter) / 2),
    bareSoapThroughput: (bareBefore + bareAfter) / 2,
    p50: percentile(result.latenciesMs, 50),
    p99: percentile(result.latenciesMs, 99),
    errors: result.errors,
    cost,
    storedAtEnd: metrics('ocppgw_queue_depth{partition="embedded"}'),
    storeBytesAtEnd: metrics('ocppgw_store_bytes'),
  };
  log(
    `outage probe: ${outage.throughput.toFixed(0)} MeterValues/s acknowledged (${outage.throughputRatio.toFixed(2)} x bare SOAP), ` +
      `p50 ${outage.p50.toFixed(2)} / p99 ${outage.p99.toFixed(2)} ms, ${outage.errors} errors; ${storeWork(cost)}; ` +
      `${outage.storedAtEnd} messages stored, store ${outage.storeBytesAtEnd} bytes at the end`,
  );
  return { outage, bareAfter };
}
