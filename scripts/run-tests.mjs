#!/usr/bin/env node
// Runs every test file under test/ with node's built-in test runner (TypeScript through tsx), after setting up what
// the selected tests need: a type check, a format and lint check (Biome), a Redis of the run's own (unless REDIS_TEST_URL is set), openssl, and
// Debian's chromium for the dashboard test. As root, missing Debian packages are installed with apt-get.
// Usage: npm test [-- <dir-or-file> ...]   e.g. npm test -- test/unit
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const roots = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['test/unit', 'test/integration', 'test/e2e', 'test/reliability'];
const files = [];
const walk = (p) => {
  if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  else if (p.endsWith('.test.ts')) files.push(p);
};
roots.forEach(walk);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}

const isRoot = process.getuid?.() === 0;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
/** A selected file's path from the repository root, e.g. test/e2e/admin.test.ts. */
const rel = (p) => relative(repoRoot, resolve(p)).split(sep).join('/');
/** Each selected file's text, read once: what it needs and how it runs are read from it. */
const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
const mentions = (f, text) => texts.get(f).includes(text);
// What the selected files need: Redis and openssl for anything outside test/unit, chromium for the files that drive
// a browser (they import test/helpers/browser.ts).
const needsRedis = files.some((f) => !rel(f).startsWith('test/unit/'));
const needsChromium = files.some((f) => mentions(f, 'helpers/browser'));
// The reliability suite starts (and restarts) redis-servers of its own, whatever REDIS_TEST_URL says.
const needsRedisServer = files.some((f) => rel(f).startsWith('test/reliability/'));

/** A command on PATH, or undefined. */
function which(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, command);
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

const executable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** As root, installs a missing Debian package; otherwise stops with one line naming it. */
function requirePackage(found, pkg, what, hint = '') {
  if (found()) return;
  if (!isRoot) {
    console.error(`npm test needs ${what}: install the Debian package ${pkg} (apt-get install ${pkg})${hint}`);
    process.exit(1);
  }
  console.log(`== installing the Debian package ${pkg}`);
  const apt = spawnSync(
    'sh',
    ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`],
    { stdio: 'inherit' },
  );
  if (apt.status !== 0 || !found()) {
    console.error(`npm test needs ${what}: installing the Debian package ${pkg} failed`);
    process.exit(1);
  }
}

// 1. Type check: a type error fails the run before any test.
console.log('== type check');
const tsc = spawnSync(join(repoRoot, 'node_modules', '.bin', 'tsc'), ['--noEmit'], { stdio: 'inherit', cwd: repoRoot });
if (tsc.status !== 0) {
  if (tsc.error) console.error(`type check could not run: ${tsc.error.message} (run npm install first)`);
  process.exit(tsc.status || 1);
}

// 1b. Format and lint (Biome): a formatting difference or a lint error fails the run before any test.
console.log('== format and lint');
const biome = spawnSync(join(repoRoot, 'node_modules', '.bin', 'biome'), ['ci', '--colors=off'], {
  stdio: 'inherit',
  cwd: repoRoot,
});
if (biome.status !== 0) {
  if (biome.error) console.error(`format and lint could not run: ${biome.error.message} (run npm install first)`);
  else console.error('format or lint failed: `npx biome check --write` fixes formatting; lint errors name their rule');
  process.exit(biome.status || 1);
}

// 2. openssl makes the tests' certificates (test/helpers/certs.ts, the wss:// upstream test); no unit test uses it.
if (needsRedis) requirePackage(() => which('openssl'), 'openssl', 'openssl');

// 3. Chromium for the dashboard test (playwright-core drives Debian's chromium; no browser download).
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (needsChromium) {
  if (process.env.CHROMIUM_PATH && !executable(chromiumPath)) {
    console.error(`npm test needs chromium: CHROMIUM_PATH=${chromiumPath} is not an executable`);
    process.exit(1);
  }
  requirePackage(
    () => executable(chromiumPath),
    'chromium',
    'chromium for the dashboard test',
    ', or set CHROMIUM_PATH',
  );
}

// 3b. Python zeep for the fleet API test that drives the gateway as a zeep-based tool does (Debian python3-zeep).
if (files.some((f) => mentions(f, 'zeep-fleet-client')))
  requirePackage(
    () => spawnSync('/usr/bin/python3', ['-c', 'import zeep']).status === 0,
    'python3-zeep',
    'Python zeep for the fleet API test',
  );

// 4. Redis: REDIS_TEST_URL as given, else a redis-server of this run's own on a free loopback port (never 6379's).
let redis;
let redisDir;
const env = { ...process.env, CHROMIUM_PATH: chromiumPath };

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** PING over a raw socket: no client library involved in deciding whether Redis is up. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.setTimeout(1_000, () => (socket.destroy(), resolve(false)));
    socket.on('data', (d) => {
      resolve(d.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.on('error', () => resolve(false));
  });
}

async function stopRedis() {
  const child = redis;
  redis = undefined;
  if (running(child)) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  redisDir = undefined;
}

if (needsRedis && !process.env.REDIS_TEST_URL) {
  requirePackage(() => which('redis-server'), 'redis-server', 'redis-server', ', or set REDIS_TEST_URL');
} else if (needsRedisServer) {
  requirePackage(
    () => which('redis-server'),
    'redis-server',
    'redis-server for the reliability suite (it starts its own)',
  );
}
// From here on a Ctrl-C (SIGINT), SIGTERM or SIGHUP ends the run in order: the tests first, then this run's Redis.
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
let tests;
let signalled;
const running = (child) => child !== undefined && child.exitCode === null && child.signalCode === null;
for (const signal of Object.keys(SIGNALS)) {
  process.on(signal, () => {
    signalled ??= signal;
    // A Ctrl-C in a terminal reached the test process already (same process group); a kill of this process alone did
    // not.
    if (running(tests)) tests.kill(signal);
  });
}

if (needsRedis && !process.env.REDIS_TEST_URL) {
  const port = await freePort();
  redisDir = mkdtempSync(join(tmpdir(), 'npm-test-redis-'));
  // Its own process group: a Ctrl-C reaches the tests, and this Redis is stopped only once they have ended.
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    },
  );
  let exited = false;
  redis.once('exit', () => (exited = true));
  redis.once('error', () => (exited = true));
  const deadline = Date.now() + 10_000;
  while (!signalled && !(await ping(port))) {
    if (exited || Date.now() > deadline) {
      console.error(`redis-server on 127.0.0.1:${port} did not answer PING within 10 s`);
      await stopRedis();
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (signalled) {
    await stopRedis();
    process.exit(128 + SIGNALS[signalled]);
  }
  env.REDIS_TEST_URL = `redis://127.0.0.1:${port}`;
  console.log(`== Redis for this run: ${env.REDIS_TEST_URL}`);
}

// 5. The tests, in two runs of node's test runner. Files that assert a bound on time (a /health answered within 50 ms
// under a hostile answer, a lease taken over within its length, real processes killed under load) say so with a
// line `// npm test: run alone` and run one at a time; every other file runs two at a time, which halves the suite's
// wall-clock time (most files wait on sockets, timers and child processes, not on the CPU). The last line sums both.
const ALONE = '// npm test: run alone';
const alone = files.filter((f) => mentions(f, ALONE));
const paired = files.filter((f) => !alone.includes(f));
const totals = { pass: 0, fail: 0 };
let failed = false;

/** One run of node's test runner over `selected`; its output passes through, its summary is added to `totals`. */
async function runTests(selected, concurrency) {
  tests = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--expose-gc',
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-reporter=spec',
      ...selected,
    ],
    { stdio: ['inherit', 'pipe', 'inherit'], env },
  );
  let tail = '';
  tests.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-4096);
  });
  const [code, signal] = await new Promise((resolve) => {
    // 'close', not 'exit': the summary is among the last output, and 'exit' may come before it has been read.
    tests.once('close', (c, s) => resolve([c, s]));
    tests.once('error', (err) => (console.error(`could not start the tests: ${err.message}`), resolve([1, null])));
  });
  // The spec reporter's summary: "ℹ pass N" and "ℹ fail N". A run that did not get that far counts as one failure,
  // so that the last line cannot read "0 failed" after a crash.
  const count = (name) => Number(new RegExp(`^\\S+ ${name} (\\d+)$`, 'm').exec(tail)?.[1] ?? Number.NaN);
  const [pass, fail] = [count('pass'), count('fail')];
  if (Number.isNaN(pass) || Number.isNaN(fail)) {
    console.error(
      `the test runner ended without its summary (exit code ${code}, signal ${signal}): counted as 1 failed`,
    );
    totals.fail += 1;
  } else Object.assign(totals, { pass: totals.pass + pass, fail: totals.fail + fail });
  if (code !== 0) failed = true;
  return signal;
}

console.log('== tests');
let signal;
if (paired.length) signal = await runTests(paired, 2);
if (alone.length && !signalled && !signal) {
  console.log(`== tests that run alone (${alone.map(rel).join(', ')})`);
  signal = await runTests(alone, 1);
}
await stopRedis();
if (signal || signalled) process.exit(128 + (SIGNALS[signalled ?? signal] ?? 1));
console.log(`${totals.pass} passed, ${totals.fail} failed`);
process.exit(failed || totals.fail > 0 ? 1 : 0);
