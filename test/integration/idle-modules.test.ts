import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { check16 } from '../../src/ocpp/v16/protocol.js';
import { inFreshNode } from '../helpers/fresh-node.js';
import { freePort } from '../helpers/processes.js';
import { until } from '../helpers/wait.js';

/** What a gateway process has loaded once /health answers, as URLs (test/helpers/module-probe.ts). */
async function modulesAtIdle(dir: string, env: Record<string, string>): Promise<string[]> {
  const adminPort = await freePort();
  const file = join(dir, 'modules.json');
  const inherited = { ...process.env };
  for (const key of ['REDIS_URL', 'REDIS_SENTINELS', 'STORE', 'CONFIG']) delete inherited[key];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', './test/helpers/module-probe.ts', 'src/main.ts'],
    {
      env: {
        ...inherited,
        CONFIG: '',
        CSMS_URL: 'ws://127.0.0.1:9/ocpp',
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        ADMIN_PORT: String(adminPort),
        DATA_DIR: join(dir, 'data'),
        LOG_LEVEL: 'silent',
        MODULE_PROBE_FILE: file,
        ...env,
      },
      stdio: 'ignore',
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const healthy = () =>
      fetch(`http://127.0.0.1:${adminPort}/health`).then(
        (r) => r.ok,
        () => false,
      );
    await until(healthy, 'the gateway to answer /health', 30_000);
    child.kill('SIGUSR2');
    await until(() => existsSync(file), 'the module list');
    return JSON.parse(readFileSync(file, 'utf8')) as string[];
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * Modules a mode does not use are not loaded (bench/README.md, "Idle memory"): each is memory every idle gateway
 * would carry, and some (ocpp-rpc's client) compile schemas on import.
 */
describe('modules loaded at idle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-modules-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an embedded gateway loads neither Redis, BullMQ, the queue board, schemas, YAML, zod nor the fleet API', async () => {
    const loaded = await modulesAtIdle(dir, {});
    const has = (part: string) => loaded.some((url) => url.includes(part));
    // What the mode does use: the probe saw the gateway's own modules and its dependencies of both kinds.
    for (const used of ['/src/gateway.ts', '/src/state/sqlite-store.ts', '/node_modules/better-sqlite3/'])
      assert.ok(has(used), `${used} is loaded`);
    assert.ok(has('/node_modules/express/'), 'express is loaded');
    const unused = [
      '/node_modules/ioredis/',
      '/node_modules/bullmq/',
      '/node_modules/@bull-board/',
      '/src/storage-redis.ts',
      // ocpp-rpc's client compiles every schema file it ships on import; the gateway uses its validator alone, and
      // that only at the first check of a protocol's message.
      '/node_modules/ocpp-rpc/lib/client.js',
      '/node_modules/ocpp-rpc/lib/schemas/',
      '/node_modules/ajv/',
      // No configuration file, no fleet API key.
      '/node_modules/yaml/',
      '/src/fleet-api/',
      // The configuration is checked by src/util/schema.ts, not by a validation library (bench/README.md, "Idle memory").
      '/node_modules/zod/',
    ];
    assert.deepEqual(
      unused.filter((part) => has(part)),
      [],
    );
  });

  it('the fleet API and its records, whose Redis form holds a script, load no Redis client', async () => {
    // Modules that hold a script for the Redis mode are loaded in every mode; ioredis would slow String.prototype in
    // an embedded gateway (docs/architecture.md, "Design choices": script calls).
    const out = await inFreshNode(`
      const { createRequire } = await import('node:module');
      await import('./src/fleet-api/server.ts');
      await import('./src/fleet-api/persistence.ts');
      const ioredis = () =>
        Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/node_modules/ioredis/'));
      const withApi = ioredis();
      await import('./src/storage-redis.ts');
      console.log(JSON.stringify({ withApi, withRedisStorage: ioredis() }));
    `);
    // The Redis storage is the control: it does load ioredis, and the check sees it.
    assert.deepEqual(JSON.parse(out), { withApi: false, withRedisStorage: true });
  });

  it('a 1.6 schema check loads the 1.6 schemas only, without ocpp-rpc client', () => {
    const cached = () => Object.keys(createRequire(import.meta.url).cache);
    const schema = (name: string) => cached().some((path) => path.endsWith(`/ocpp-rpc/lib/schemas/${name}`));
    assert.equal(schema('ocpp1_6.json'), false);
    assert.deepEqual(check16('Heartbeat', 'req', {}), { ok: true });
    assert.equal(schema('ocpp1_6.json'), true);
    assert.equal(schema('ocpp2_0_1.json'), false);
    assert.equal(schema('ocpp2_1.json'), false);
    assert.equal(
      cached().some((path) => path.endsWith('/ocpp-rpc/lib/client.js')),
      false,
    );
  });
});
