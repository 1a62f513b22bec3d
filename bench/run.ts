/**
 * `npm run bench`: the gateway measured against baselines taken in the same run on the same machine (bench/README.md,
 * "Method": the machines are shared and their speed drifts, so every figure is a ratio or a difference to a baseline).
 *
 *   npm run bench                 full run (about 10 minutes)
 *   npm run bench -- --quick      shorter measurements, fleet up to 1,000 chargers
 *   npm run bench -- --against <ref>   this build against an earlier one, side by side (bench/against.ts)
 *
 * Prints a table and writes bench/results/latest.json.
 *
 * A full run measures in rounds: each gateway mode's maximum throughput ROUNDS times, each time between two bare SOAP
 * measurements, and the latency at half load LATENCY_ROUNDS times, each round a bare SOAP, a bare OCPP-J and a gateway
 * window at the same rate one after the other; a figure is the median of its rounds (an added latency: the median of
 * the rounds' differences), and the JSON keeps every round. On these shared machines a single window can land in a
 * stall or a fast spell (bare SOAP was seen to move from 7,000 to 11,000 msg/s within one run), and the median of
 * paired rounds is what a stall does not move.
 */
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../test/helpers/redis-keys.js';
import { measureStall } from './stall.js';
import { measureMemoryAfterTraffic } from './memory-after-traffic.js';
import { measureCommand, measureFleet, type Command } from './command-and-fleet.js';
import { gatewayMetrics } from './costs.js';
import { CsmsStub } from './csms-stub.js';
import { jsonCall } from './envelopes.js';
import { closedLoop, JsonClient, rate, staleSocketRetries } from './load.js';
import { compareFleetApi, countFleetApi } from './fleet-api.js';
import { measureRecords } from './fleet-records.js';
import { countObserving } from './instructions.js';
import { measureOutage } from './outage.js';
import { buildGateway, startBareSoap, startGateway } from './processes.js';
import { printTable, writeResults } from './report.js';
import { compareProtocols, compareRoutes } from './variants.js';
import { measureWithWrk } from './wrk.js';
import {
  errorKinds,
  logLatency,
  measureBaseline,
  measureGateway,
  pairedLatency,
  soapSender,
  type Baselines,
  type GatewayMeasured,
  type PairedLatency,
  type Send,
} from './rounds.js';
import { compareWith } from './against.js';
import { measureObserving, measureProtocols } from './observing.js';
import {
  against,
  CLIENTS,
  observingOnly,
  protocolsOnly,
  LATENCY_ROUNDS,
  log,
  quick,
  REDIS_URL,
  ROUNDS,
  SECONDS,
} from './settings.js';

/** What the gateway modes are measured with: the CSMS stub, the bench's Redis, and the baselines kept running. */
interface Context {
  agent: Agent;
  stub: CsmsStub;
  csmsPort: number;
  redis: Redis;
  bareBefore: number;
  bareThroughput: () => Promise<number>;
  baselines: Baselines;
}

/**
 * The gateway: embedded with the durable store (the default without Redis) and in memory (STORE=memory, for
 * comparison), Redis/BullMQ with the default partitions, and Redis with 16 partitions (the trade-off between
 * spreading chargers over more instances and batching more messages per BullMQ job).
 */
async function measureModes(ctx: Context) {
  const { agent, stub, csmsPort, redis, bareThroughput, baselines } = ctx;
  const gateway: Record<string, GatewayMeasured> = {};
  let command: Command | undefined;
  let before = ctx.bareBefore;
  // 16 partitions first: the default is then also measured at the 16-partition half-load rate, the same load for both.
  // The memory mode right after the durable one, so that the two are measured as close together as the run allows.
  const modes = [
    { name: 'embedded', env: {}, durable: true },
    { name: 'memory', env: { STORE: 'memory' }, durable: false },
    { name: 'redis16', env: { REDIS_URL, PARTITIONS: '16' }, durable: false },
    { name: 'redis', env: { REDIS_URL }, durable: false },
  ] as const;
  let sameLoad: PairedLatency | undefined;
  for (const mode of modes) {
    const prefix = `bench-${randomUUID().slice(0, 8)}`;
    // The durable mode gets a fresh DATA_DIR of its own, deleted when it stops (bench/README.md, "Method").
    const gw = await startGateway(
      csmsPort,
      'REDIS_URL' in mode.env ? { ...mode.env, REDIS_PREFIX: prefix } : mode.env,
      mode.durable,
    );
    const send = soapSender(agent, gw.url, `gw-${mode.name}`);
    const name = `gateway (${mode.name})`;
    // The targets' rows get LATENCY_ROUNDS paired latency rounds; the comparison rows (memory, 16 partitions) ROUNDS.
    const rounds = mode.name === 'redis16' || mode.name === 'memory' ? ROUNDS : LATENCY_ROUNDS;
    const { measured, bareAfter } = await measureGateway(
      name,
      gw,
      'REDIS_URL' in mode.env ? redis : undefined,
      send,
      before,
      bareThroughput,
      baselines,
      rounds,
    );
    gateway[mode.name] = measured;
    before = bareAfter;
    if (mode.name === 'embedded') command = await measureCommand(agent, gw.url, stub);
    if (mode.name === 'redis') {
      sameLoad = await pairedLatency(gateway.redis16!.throughput / 2, send, baselines, ROUNDS);
      logLatency(name, sameLoad);
      // Last with this gateway: the stall leaves it behind for a while (bench/stall.ts).
      if (!quick) measured.stall = await measureStall(gw, send, Math.round(measured.throughput / 2));
    }
    if (mode.durable) {
      measured.storeBytesAtEnd = (await gatewayMetrics(gw))('ocppgw_store_bytes');
      log(`${name}: store ${measured.storeBytesAtEnd} bytes at the end`);
    }
    await gw.stop();
    if ('REDIS_URL' in mode.env) await deleteKeysWithPrefix(REDIS_URL, prefix);
  }
  return { gateway, command: command!, sameLoad: sameLoad!, bareAfter: before };
}

/** The machine the run measured on, for bench/results/latest.json. */
const machine = () => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
});

/**
 * The two baselines, measured once and kept running for the whole run: bare SOAP for the ratios and both for the
 * paired latency windows.
 */
async function startBaselines(agent: Agent, csmsPort: number) {
  // Baseline 1: bare SOAP (node-soap from our WSDL, answering locally). Its server stays up: the throughput of each
  // gateway mode is compared with bare SOAP measured just before and just after it, so that a shared machine
  // slowing down or speeding up during the run does not show up as a gateway ratio.
  const bare = await startBareSoap();
  const sendBare = soapSender(agent, bare.url, 'bare');
  const bareSoap = await measureBaseline('bare SOAP', sendBare);
  const bareThroughput = async (): Promise<number> => {
    const t = rate(await closedLoop(CLIENTS, SECONDS, sendBare));
    log(`bare SOAP again: ${t.toFixed(0)} msg/s`);
    return t;
  };

  // Baseline 2: bare OCPP-J (the same operations as CALLs straight to the CSMS stub). Its clients also stay connected:
  // every gateway latency window is paired with a bare SOAP and a bare OCPP-J window at the same rate.
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => JsonClient.connect(`ws://127.0.0.1:${csmsPort}/ocpp/json-${i}`)),
  );
  const sendJson: Send = (client, seq) => {
    const [action, payload] = jsonCall(seq);
    return clients[client]!.call(action, payload);
  };
  const bareJson = await measureBaseline('bare OCPP-J', sendJson);
  const baselines: Baselines = { soap: sendBare, json: sendJson };

  return { bare, bareSoap, bareThroughput, clients, bareJson, baselines };
}

async function main(): Promise<void> {
  buildGateway();
  const stub = new CsmsStub();
  const csmsPort = await stub.ready();
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  /** Read-only: INFO commandstats for the Redis calls per message. */
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });

  const { bare, bareSoap, bareThroughput, clients, bareJson, baselines } = await startBaselines(agent, csmsPort);

  const { gateway, command, sameLoad, bareAfter } = await measureModes({
    agent,
    stub,
    csmsPort,
    redis,
    bareBefore: bareSoap.throughput,
    bareThroughput,
    baselines,
  });
  // The outage probe: a durable gateway whose CSMS cannot be reached (bench/README.md, "Method").
  const { outage } = await measureOutage(agent, bareAfter, bareThroughput);
  // The 2.0.1 upstream beside 1.6, migration routing's shadow beside the legacy route (the bare SOAP server plays the
  // legacy system), the fleet API on beside off and its records' bytes per session and sample (bench/fleet-api.ts).
  const wrk = await measureWithWrk(agent, csmsPort, bare.url);
  const protocols = await compareProtocols(agent, csmsPort);
  const routes = await compareRoutes(agent, csmsPort, bare.url);
  const fleetApiThroughput = await compareFleetApi(agent, csmsPort);
  const records = await measureRecords(agent, csmsPort);
  for (const c of clients) c.close();
  bare.child.kill('SIGTERM');
  redis.disconnect();

  // The fleet steps read fresh processes; the same gateway after a minute of traffic holds more (bench/README.md).
  const fleet = {
    ...(await measureFleet(agent, stub, csmsPort)),
    afterTraffic: await measureMemoryAfterTraffic(agent, csmsPort),
  };
  // The trace and the per-message metrics, on and off, counted in instructions side by side (bench/instructions.ts).
  const observing = await countObserving(agent, csmsPort);
  const fleetApi = { throughput: fleetApiThroughput, counts: await countFleetApi(agent, csmsPort), records };
  stub.close();
  agent.destroy();

  const results = {
    machine: machine(),
    quick,
    bareSoap,
    bareJson,
    gateway,
    redisAt16PartitionHalfLoad: sameLoad,
    command,
    outage,
    protocols,
    routes,
    wrk,
    fleet,
    observing,
    fleetApi,
    errorKinds: Object.fromEntries(errorKinds),
    staleSocketRetries: staleSocketRetries.count,
  };
  writeResults(results);
  printTable(
    bareSoap,
    bareJson,
    gateway,
    sameLoad,
    command,
    outage,
    fleet,
    { protocols, routes, wrk },
    observing,
    fleetApi,
  );
}

const ref = against;
const entry = ref ? () => compareWith(ref) : observingOnly ? measureObserving : protocolsOnly ? measureProtocols : main;
entry().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
