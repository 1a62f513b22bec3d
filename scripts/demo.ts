/**
 * `npm run demo`: the gateway, a demo OCPP-J CSMS and three simulated OCPP 1.5 SOAP chargers on this machine.
 * The chargers boot, plug in, charge, send meter values and stop; the CSMS also starts a session remotely.
 * Open the dashboard it prints to watch both sides. Ctrl-C stops it; `--seconds N` stops it after N seconds.
 *
 *   --ocpp201    the demo CSMS speaks OCPP 2.0.1 (the gateway translates to 2.0.1)
 *   --migration  an old OCPP 1.5 SOAP central system is in charge, the CSMS gets a copy of everything (route
 *                legacy+shadow); a divergence shows on the dashboard, and DEMO-1 is cut over to the CSMS after a while
 *
 * Ports: PORT (SOAP, default 8080), ADMIN_PORT (dashboard, 8081), DEMO_CSMS_PORT (9000); 0 picks free ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { Gateway } from '../src/gateway.js';
import type { CsmsProtocol } from '../src/ocpp/protocols.js';
import { createLogger } from '../src/util/log.js';
import { DemoCharger } from './demo/charger.js';
import { startDemoCsms } from './demo/csms.js';
import { startDemoLegacy } from './demo/legacy.js';

const secondsArg = process.argv.indexOf('--seconds');
const runFor = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : undefined;
const protocol: CsmsProtocol = process.argv.includes('--ocpp201') ? 'ocpp2.0.1' : 'ocpp1.6';
const migration = process.argv.includes('--migration');
const say = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free port now: the legacy system must know the gateway's address before the gateway starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'ocppgw-demo-'));

async function startGateway(
  csmsPort: number,
  legacyUrl: string | undefined,
): Promise<{ gateway: Gateway; soapPort: number; adminPort: number }> {
  const port = Number(process.env.PORT ?? 8080) || (legacyUrl ? await freePort() : 0);
  const config = loadConfig(
    { ...process.env, CONFIG: process.env.CONFIG ?? '' },
    {
      csmsUrl: `ws://127.0.0.1:${csmsPort}/ocpp`,
      csmsProtocol: protocol,
      port,
      adminPort: Number(process.env.ADMIN_PORT ?? 8081),
      host: '127.0.0.1',
      admission: 'auto-accept',
      // A store of its own for each run, so that a demo never meets what an earlier one left.
      dataDir,
      logLevel: process.env.LOG_LEVEL ?? 'error',
      ...(legacyUrl
        ? { legacyCsUrl: legacyUrl, route: 'legacy+shadow', publicUrl: `http://127.0.0.1:${port}/CentralSystemService` }
        : {}),
    },
  );
  const gateway = await Gateway.create(config, createLogger(config.logLevel), {
    onDivergence: (d) => say(`demo: divergence on ${d.identity} ${d.operation} (${d.kind}): ${d.detail}`),
  });
  return { gateway, ...(await gateway.start()) };
}

/** After a while, DEMO-1 moves to the CSMS, which keeps the legacy system as its shadow for a way back. */
async function cutOver(adminPort: number): Promise<void> {
  await sleep(9_000);
  const res = await fetch(`http://127.0.0.1:${adminPort}/api/chargers/DEMO-1/route`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ route: 'csms+shadow', reason: 'demo cut-over' }),
  });
  say(
    `demo: cut-over: DEMO-1 routed to the CSMS, the legacy system keeps a copy (${res.status} ${JSON.stringify(await res.json())})`,
  );
}

async function main(): Promise<void> {
  const csms = await startDemoCsms(Number(process.env.DEMO_CSMS_PORT ?? 9000), protocol, say);
  const legacy = migration ? await startDemoLegacy(say) : undefined;
  const { gateway, soapPort, adminPort } = await startGateway(csms.port, legacy?.url);
  const gatewayUrl = `http://127.0.0.1:${soapPort}/CentralSystemService`;
  console.log(`\nOCPP SOAP gateway demo
  dashboard:      http://127.0.0.1:${adminPort}/dashboard/${migration ? '#/migration' : ''}
  SOAP endpoint:  ${gatewayUrl}
  demo CSMS:      ws://127.0.0.1:${csms.port}/ocpp (OCPP-J ${protocol === 'ocpp1.6' ? '1.6' : '2.0.1'}, strict validation)${legacy ? `\n  legacy system:  ${legacy.url} (OCPP 1.5 SOAP, in charge: route legacy+shadow)` : ''}
  chargers:       DEMO-1, DEMO-2, DEMO-3 (OCPP 1.5 SOAP)
Ctrl-C to stop.\n`);
  const chargers = ['DEMO-1', 'DEMO-2', 'DEMO-3'].map((id) => new DemoCharger(id, gatewayUrl));
  for (const charger of chargers) {
    await charger.start();
    void charger
      .run(migration && charger.identity === 'DEMO-1' ? 6_000 : Infinity)
      .catch((err: Error) => say(`${charger.identity} stopped: ${err.message}`));
    await sleep(300);
  }
  if (migration) void cutOver(adminPort).catch((err: Error) => say(`demo: cut-over failed: ${err.message}`));
  const stop = async () => {
    for (const charger of chargers) charger.stop();
    await gateway.stop();
    await csms.server.close({ force: true });
    legacy?.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (runFor) setTimeout(() => void stop(), runFor * 1000);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
