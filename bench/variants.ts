/**
 * Two comparisons beside the targets of the main modes (bench/README.md, "Method"): the OCPP 2.0.1 upstream against
 * the 1.6 one, and migration routing with a shadow against the legacy route alone. Each pair of gateways runs side by
 * side and is measured in alternating rounds, so that the machine's drift reaches both sides of a ratio or difference.
 */
import type { Agent } from 'node:http';
import { CsmsStub } from './csms-stub.js';
import { soapRequest, soapRequest16 } from './envelopes.js';
import { closedLoop, exchangeSoap, rate } from './load.js';
import { cpuMicros, type Gateway, startGateway } from './processes.js';
import { countError, latencyWindow, soapSender, type Send } from './rounds.js';
import { CLIENTS, LATENCY_ROUNDS, log, ROUNDS, SECONDS, WARM_UP_SECONDS } from './settings.js';
import { median } from './stats.js';

export interface ProtocolComparison {
  /** Median throughput of each upstream, msg/s, and per round. */
  ocpp16: number;
  ocpp201: number;
  rounds: { ocpp16: number[]; ocpp201: number[]; ratio: number[] };
  /** Median of the rounds' 2.0.1 / 1.6 ratios (target: >= 0.9, within 10%). */
  ratio: number;
  /**
   * Each gateway's CPU per message in its rounds (median, us; /proc, user and system), a diagnostic: the machine's
   * speed moves the throughput of a round more than what the gateway does per message does.
   */
  cpuPerMessage: { ocpp16: number; ocpp201: number };
  /** The same 1.6 gateway fed by OCPP 1.6 SOAP chargers: median of the rounds' 1.6-SOAP / 1.5-SOAP ratios. */
  soap16: { throughput: number; ratio: number; rounds: number[] };
}

export interface RouteComparison {
  rate: number;
  /** Each route's closed-loop maximum, msg/s, measured after its warm-up: the rate is half the shadow route's. */
  maximum: { legacy: number; shadow: number };
  /** The charger's p50 latency through each route, per round, ms. */
  legacy: number[];
  shadow: number[];
  /** Median of the rounds' differences (legacy+shadow minus legacy; target <= 2 ms). */
  addedP50: number;
}

/**
 * A charger's day in which MeterValues and StopTransaction carry the transaction id the StartTransaction's answer
 * gave (the gateway mints its own per charger towards a 2.0.1 CSMS). Closed loop only: one message per charger at a time.
 */
function transactionAwareSender(
  agent: Agent,
  url: URL,
  prefix: string,
  request: (identity: string, step: number) => string = soapRequest,
): Send {
  const ids = new Map<number, string>();
  return async (client, seq) => {
    const envelope = request(`${prefix}-${client}`, seq).replace(
      /<cs:transactionId>4711</,
      `<cs:transactionId>${ids.get(client) ?? '4711'}<`,
    );
    try {
      const { status, text } = await exchangeSoap(agent, url, envelope, envelope.includes('startTransactionRequest'));
      const id = /transactionId>(\d+)</.exec(text)?.[1];
      if (id) ids.set(client, id);
      if (status !== 200) countError(prefix, `HTTP ${status}`);
      return status === 200;
    } catch (err) {
      countError(prefix, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
      return false;
    }
  };
}

/** A closed-loop round on `gw`: its throughput, msg/s, and the gateway's CPU per message in it, us. */
async function roundOn(gw: Gateway, send: Send): Promise<{ rate: number; cpu: number }> {
  const cpu0 = cpuMicros(gw.child.pid!);
  const result = await closedLoop(CLIENTS, SECONDS, send);
  return { rate: rate(result), cpu: (cpuMicros(gw.child.pid!) - cpu0) / Math.max(1, result.completed) };
}

/** The durable embedded gateway towards a 1.6 and towards a 2.0.1 CSMS stub: throughput in alternating rounds. */
export async function compareProtocols(agent: Agent, stub16Port: number): Promise<ProtocolComparison> {
  const stub201 = new CsmsStub(0, 'ocpp2.0.1');
  const stub201Port = await stub201.ready();
  const gw16 = await startGateway(stub16Port, {}, true);
  const gw201 = await startGateway(stub201Port, { CSMS_PROTOCOL: 'ocpp2.0.1' }, true);
  const send16 = transactionAwareSender(agent, gw16.url, 'v16');
  const send201 = transactionAwareSender(agent, gw201.url, 'v201');
  const sendSoap16 = transactionAwareSender(agent, gw16.url, 's16', soapRequest16);
  await closedLoop(CLIENTS, WARM_UP_SECONDS, send16);
  await closedLoop(CLIENTS, WARM_UP_SECONDS, send201);
  await closedLoop(CLIENTS, WARM_UP_SECONDS, sendSoap16);
  const rounds = { ocpp16: [] as number[], ocpp201: [] as number[], ratio: [] as number[] };
  const soap16: number[] = [];
  const soap16Rates: number[] = [];
  const cpu = { ocpp16: [] as number[], ocpp201: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    const a = await roundOn(gw16, send16);
    const b = await roundOn(gw201, send201);
    const c = rate(await closedLoop(CLIENTS, SECONDS, sendSoap16));
    rounds.ocpp16.push(a.rate);
    rounds.ocpp201.push(b.rate);
    rounds.ratio.push(b.rate / a.rate);
    cpu.ocpp16.push(a.cpu);
    cpu.ocpp201.push(b.cpu);
    soap16.push(c / a.rate);
    soap16Rates.push(c);
  }
  await gw16.stop();
  await gw201.stop();
  stub201.close();
  const result = {
    ocpp16: median(rounds.ocpp16),
    ocpp201: median(rounds.ocpp201),
    rounds,
    ratio: median(rounds.ratio),
    cpuPerMessage: { ocpp16: median(cpu.ocpp16), ocpp201: median(cpu.ocpp201) },
    soap16: { throughput: median(soap16Rates), ratio: median(soap16), rounds: soap16 },
  };
  log(
    `OCPP 1.6 SOAP chargers: ${result.soap16.throughput.toFixed(0)} msg/s, ${result.soap16.ratio.toFixed(2)} x 1.5 SOAP`,
  );
  log(
    `OCPP 2.0.1 upstream: ${result.ocpp201.toFixed(0)} msg/s against ${result.ocpp16.toFixed(0)} for 1.6 (ratios ${rounds.ratio.map((r) => r.toFixed(2)).join(', ')}); CPU per message ${cpu.ocpp201.map((x) => x.toFixed(0)).join(', ')} against ${cpu.ocpp16.map((x) => x.toFixed(0)).join(', ')} us`,
  );
  return result;
}

/**
 * Two gateways routing to a legacy system (the bare SOAP server, which answers at once): route `legacy`, and route
 * `legacy+shadow` with the CSMS stub as the shadow. Latency at the same rate, half the maximum of the route measured
 * (`legacy+shadow`, which does the legacy route's work and the shadow's), as every mode's added latency is taken at
 * half its own maximum; in alternating rounds, the figure is the median of the rounds' p50 differences.
 */
export async function compareRoutes(agent: Agent, csmsPort: number, legacyUrl: URL): Promise<RouteComparison> {
  const gwLegacy = await startGateway(csmsPort, { LEGACY_CS_URL: legacyUrl.href, ROUTE: 'legacy' }, true);
  const gwShadow = await startGateway(csmsPort, { LEGACY_CS_URL: legacyUrl.href, ROUTE: 'legacy+shadow' }, true);
  const sendLegacy = soapSender(agent, gwLegacy.url, 'route-legacy');
  const sendShadow = soapSender(agent, gwShadow.url, 'route-shadow');
  await closedLoop(CLIENTS, WARM_UP_SECONDS, sendLegacy);
  await closedLoop(CLIENTS, WARM_UP_SECONDS, sendShadow);
  const maximum = {
    legacy: rate(await closedLoop(CLIENTS, SECONDS, sendLegacy)),
    shadow: rate(await closedLoop(CLIENTS, SECONDS, sendShadow)),
  };
  const perSecond = maximum.shadow / 2;
  const out = { legacy: [] as number[], shadow: [] as number[] };
  for (let i = 0; i < LATENCY_ROUNDS; i++) {
    out.legacy.push((await latencyWindow(perSecond, sendLegacy)).p50);
    out.shadow.push((await latencyWindow(perSecond, sendShadow)).p50);
  }
  await gwLegacy.stop();
  await gwShadow.stop();
  const addedP50 = median(out.shadow.map((s, i) => s - out.legacy[i]!));
  log(
    `route legacy+shadow at ${perSecond.toFixed(0)} msg/s (maximum ${maximum.shadow.toFixed(0)}, legacy ${maximum.legacy.toFixed(0)}): p50 ${out.shadow.map((x) => x.toFixed(2)).join(', ')} ms against legacy ${out.legacy.map((x) => x.toFixed(2)).join(', ')} ms; added ${addedP50.toFixed(2)} ms`,
  );
  return { rate: perSecond, maximum, ...out, addedP50 };
}
