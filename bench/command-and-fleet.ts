/**
 * The measures beside the message load: CSMS -> charger calls through the gateway, and a fleet of chargers connected
 * at once with a heartbeat burst.
 */
import { createServer, type Agent } from 'node:http';
import type { CsmsStub } from './csms-stub.js';
import { bootRequest, heartbeatRequest, REMOTE_START_SOAP_REQUEST, REMOTE_START_SOAP_RESPONSE } from './envelopes.js';
import { percentile, postSoap } from './load.js';
import { peakRssMiB, rssMiB, startGateway } from './processes.js';
import { countError } from './rounds.js';
import { FLEET_STEPS, log, quick, sleep } from './settings.js';

export type Command = Awaited<ReturnType<typeof measureCommand>>;
export type Fleet = Awaited<ReturnType<typeof measureFleet>>;

/** CSMS -> charger RemoteStartTransaction through the gateway vs the same SOAP call made directly. */
export async function measureCommand(agent: Agent, gatewayUrl: URL, stub: CsmsStub) {
  const charger = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8' }).end(REMOTE_START_SOAP_RESPONSE),
    );
  });
  charger.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => charger.listen(0, '127.0.0.1', r));
  const chargerUrl = new URL(`http://127.0.0.1:${(charger.address() as { port: number }).port}/ChargePointService`);
  await postSoap(agent, gatewayUrl, heartbeatRequest('bench-cmd', 0, chargerUrl.href));
  for (let i = 0; i < 50 && !stub.sockets.has('bench-cmd'); i++) await sleep(20);
  const n = quick ? 300 : 1_000;
  const viaGateway: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    await stub.call('bench-cmd', 'RemoteStartTransaction', { idTag: 'RFID-0001', connectorId: 1 });
    viaGateway.push(performance.now() - t);
    t = performance.now();
    await postSoap(agent, chargerUrl, REMOTE_START_SOAP_REQUEST);
    direct.push(performance.now() - t);
  }
  charger.close();
  const result = {
    gatewayP50: percentile(viaGateway.slice(50), 50),
    directSoapP50: percentile(direct.slice(50), 50),
    addedP50: 0,
  };
  result.addedP50 = result.gatewayP50 - result.directSoapP50;
  log(
    `command round trip: gateway p50 ${result.gatewayP50.toFixed(2)} ms, direct SOAP p50 ${result.directSoapP50.toFixed(2)} ms`,
  );
  return result;
}

/**
 * Chargers connected at once, each booted (a BootNotification) and with its own upstream WebSocket; RSS and peak RSS
 * per step; a heartbeat burst at the end. The gateway is embedded with the durable store, in a fresh DATA_DIR of its
 * own (bench/README.md, "Method"); its RSS when idle is read a second after it answers /health.
 */
export async function measureFleet(agent: Agent, stub: CsmsStub, csmsPort: number) {
  const gw = await startGateway(csmsPort, {}, true);
  const steps: { chargers: number; rssMiB: number; peakRssMiB: number; connected: number; errors: number }[] = [];
  let total = 0;
  await sleep(1_000);
  const baseline = rssMiB(gw.child.pid!);
  log(`fleet gateway: /health after ${gw.startMs.toFixed(0)} ms, idle RSS ${baseline.toFixed(0)} MiB`);
  const send = async (
    envelope: (identity: string, seq: number) => string,
    from: number,
    to: number,
    concurrency: number,
  ): Promise<number> => {
    let next = from;
    let errors = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < to) {
          const i = next++;
          const status = await postSoap(agent, gw.url, envelope(`fleet-${i}`, i)).catch(
            (err: NodeJS.ErrnoException) => err.code ?? err.message,
          );
          if (status !== 200) {
            errors++;
            countError('fleet', typeof status === 'number' ? `HTTP ${status}` : status);
          }
        }
      }),
    );
    return errors;
  };
  for (const size of FLEET_STEPS) {
    const errors = await send(bootRequest, total, size, 200);
    total = size;
    for (let i = 0; i < 300 && [...stub.sockets.keys()].filter((k) => k.startsWith('fleet-')).length < total; i++)
      await sleep(100);
    await sleep(1_000);
    const connected = [...stub.sockets.keys()].filter((k) => k.startsWith('fleet-')).length;
    steps.push({
      chargers: size,
      rssMiB: rssMiB(gw.child.pid!),
      peakRssMiB: peakRssMiB(gw.child.pid!),
      connected,
      errors,
    });
    const step = steps.at(-1)!;
    log(
      `fleet ${size}: ${connected} upstream WebSockets, RSS ${step.rssMiB.toFixed(0)} MiB (peak ${step.peakRssMiB.toFixed(0)}), ${errors} errors`,
    );
  }
  const started = performance.now();
  const burstErrors = await send(heartbeatRequest, 0, total, 256);
  const burstSeconds = (performance.now() - started) / 1000;
  log(`burst: ${total} heartbeats in ${burstSeconds.toFixed(2)} s, ${burstErrors} errors`);
  const burstPeak = peakRssMiB(gw.child.pid!);
  await gw.stop();
  return {
    baselineRssMiB: baseline,
    startMs: gw.startMs,
    steps,
    burst: { heartbeats: total, seconds: burstSeconds, errors: burstErrors, peakRssMiB: burstPeak },
  };
}
