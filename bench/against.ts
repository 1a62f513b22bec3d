/**
 * `npm run bench -- --against <ref>`: this build and an earlier one (a commit, tag or branch) measured side by side in
 * one run (bench/README.md, "Comparing two builds"). The earlier build is checked out into a temporary git worktree;
 * the two gateways are measured alternately, mode by mode, each window between two bare SOAP windows, so that both
 * builds see the same machine and the comparison is a ratio of ratios.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { deleteKeysWithPrefix } from '../test/helpers/redis-keys.js';
import { CsmsStub } from './csms-stub.js';
import { closedLoop, percentile, rate } from './load.js';
import { costOf, type PhaseCost } from './costs.js';
import { changeOf, countPairs, MEASURED, WARM_UP, type InstructionCount, type PairCount } from './instructions.js';
import { buildGateway, rssMiB, startBareSoap, startGateway } from './processes.js';
import { soapSender } from './rounds.js';
import { CLIENTS, log, MODES, quick, REDIS_URL, SECONDS, sleep, WARM_UP_SECONDS } from './settings.js';
import { median } from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');
/** Alternations per mode: this build, the earlier one, and again. */
const ALTERNATIONS = quick ? 2 : 3;

/** The earlier build in a temporary worktree; its node_modules is this one's when the lockfiles are the same. */
function checkout(ref: string): { dir: string; remove(): void } {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT })
    .toString()
    .trim();
  const dir = mkdtempSync(join(tmpdir(), `ocppgw-against-${sha.slice(0, 8)}-`));
  execFileSync('git', ['worktree', 'add', '--detach', dir, sha], { cwd: ROOT, stdio: 'ignore' });
  const remove = () => {
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', remove);
  const sameLock =
    readFileSync(join(dir, 'package-lock.json'), 'utf8') === readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
  if (sameLock && existsSync(join(ROOT, 'node_modules')))
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  else {
    log(`${ref}: its package-lock.json differs, running npm ci in ${dir}`);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
  }
  log(`${ref} is ${sha.slice(0, 12)}, checked out in ${dir}`);
  return { dir, remove };
}

interface Window {
  throughput: number;
  bare: number;
  p50Ms: number;
  /** The gateway's resident memory at the end of its window, MiB. */
  rssMiB: number;
  /** Its resident memory right after start (a second after /health answered), MiB, and its time to /health, ms. */
  idleRssMiB: number;
  startMs: number;
  /** What the measured window cost: CPU per message, event-loop delay, the durable store's commits. */
  cost: PhaseCost;
}

/** One gateway window: start the build, warm it up, measure its throughput and latency, stop it. */
async function window(
  agent: Agent,
  csmsPort: number,
  root: string,
  mode: { env: Record<string, string>; durable: boolean },
  bare: () => Promise<number>,
): Promise<Window> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const env = 'REDIS_URL' in mode.env ? { ...mode.env, REDIS_PREFIX: prefix } : mode.env;
  const gw = await startGateway(csmsPort, env, mode.durable, root);
  try {
    await sleep(1_000);
    const idleRssMiB = rssMiB(gw.child.pid!);
    const send = soapSender(agent, gw.url, `gw-${prefix}`);
    await closedLoop(CLIENTS, WARM_UP_SECONDS, send);
    const before = await bare();
    const { result, cost } = await costOf(gw, undefined, () => closedLoop(CLIENTS, SECONDS, send));
    const after = await bare();
    return {
      throughput: rate(result),
      bare: (before + after) / 2,
      p50Ms: percentile(result.latenciesMs, 50),
      rssMiB: rssMiB(gw.child.pid!),
      idleRssMiB,
      startMs: gw.startMs,
      cost,
    };
  } finally {
    await gw.stop();
    if ('REDIS_URL' in mode.env) await deleteKeysWithPrefix(REDIS_URL, prefix);
  }
}

const pct = (current: number, earlier: number) =>
  `${current >= earlier ? '+' : ''}${(((current - earlier) / earlier) * 100).toFixed(1)}%`;

type Which = 'current' | 'earlier';
type Rows = Record<string, Record<Which, Window[]>>;

/** The wall-clock rounds: each mode, the two builds alternately, ALTERNATIONS times. */
async function wallClock(ref: string, roots: Record<Which, string>, csmsPort: number, agent: Agent): Promise<Rows> {
  const bareServer = await startBareSoap();
  const sendBare = soapSender(agent, bareServer.url, 'bare');
  const bare = async () => rate(await closedLoop(CLIENTS, SECONDS, sendBare));
  const rows: Rows = {};
  try {
    await closedLoop(CLIENTS, WARM_UP_SECONDS, sendBare);
    for (const mode of MODES) {
      rows[mode.name] = { current: [], earlier: [] };
      for (let i = 0; i < ALTERNATIONS; i++) {
        // Which build goes first alternates too: neither always gets the warmer machine.
        const order = i % 2 === 0 ? (['current', 'earlier'] as const) : (['earlier', 'current'] as const);
        for (const which of order) {
          const w = await window(agent, csmsPort, roots[which], mode, bare);
          rows[mode.name]![which].push(w);
          log(
            `${mode.name} ${which === 'current' ? 'this build' : ref}: ${w.throughput.toFixed(0)} msg/s, bare ${w.bare.toFixed(0)}, p50 ${w.p50Ms.toFixed(2)} ms, ` +
              `loop delay p99 ${w.cost.loopDelayP99Ms.toFixed(1)} ms, ${w.cost.cpuMicrosPerMessage.toFixed(0)} us CPU per message`,
          );
        }
      }
    }
  } finally {
    bareServer.child.kill('SIGTERM');
  }
  return rows;
}

/** Resident memory right after start and the time to /health, each build and mode once (the quick variant's). */
async function idle(roots: Record<Which, string>, csmsPort: number) {
  const out: Record<string, Record<Which, { idleRssMiB: number; startMs: number }>> = {};
  for (const mode of MODES)
    for (const which of ['current', 'earlier'] as const) {
      const gw = await startGateway(csmsPort, mode.env, mode.durable, roots[which]);
      await sleep(1_000);
      (out[mode.name] ??= {} as (typeof out)[string])[which] = {
        idleRssMiB: rssMiB(gw.child.pid!),
        startMs: gw.startMs,
      };
      await gw.stop();
    }
  return out;
}

/** A change in instructions per message beyond which a mode's pair is counted twice more before it is reported. */
const RECOUNT_ABOVE = 0.1;

/**
 * Instructions per message, each mode, the two builds side by side (bench/instructions.ts): the comparison that other
 * processes on the machine do not move. A mode whose two counts differ by more than RECOUNT_ABOVE is counted twice
 * more, and the pair whose change is the median of the three is reported: one pair of short Redis counts can differ by
 * a fifth with no change at all (bench/README.md, "Comparing two builds").
 */
async function instructionCounts(roots: Record<Which, string>, csmsPort: number, agent: Agent) {
  const runOf = (mode: (typeof MODES)[number], which: Which) => ({
    root: roots[which],
    env: mode.env,
    durable: mode.durable,
  });
  const counted = await countPairs(
    agent,
    csmsPort,
    MODES.map((mode) => ({ base: runOf(mode, 'earlier'), changed: runOf(mode, 'current') })),
    (change) => Math.abs(change) > RECOUNT_ABOVE,
  );
  const asBuilds = (pair: PairCount) => ({ current: pair.changed, earlier: pair.base });
  return Object.fromEntries(
    MODES.map((mode, i) => {
      const { median, pairs } = counted[i]!;
      if (pairs.length > 1) {
        const changes = pairs.map((c) => `${(changeOf(c) * 100).toFixed(1)}%`);
        log(
          `${mode.name}: the first pair differed by more than 10%; three pairs: ${changes.join(', ')} (median reported)`,
        );
      }
      return [mode.name, { ...asBuilds(median), pairs: pairs.map(asBuilds) }];
    }),
  ) as Record<string, Record<Which, InstructionCount> & { pairs: Record<Which, InstructionCount>[] }>;
}

/**
 * `--against <ref>`: the wall-clock rounds, then the instruction counts. `--quick`: the instruction counts (with a
 * shorter warm-up), and each build's idle memory and start time, no throughput windows: two builds' req/s from 2 s
 * windows on a shared machine say less than their instructions (bench/README.md, "Comparing two builds").
 */
export async function compareWith(ref: string): Promise<void> {
  const earlier = checkout(ref);
  const started = performance.now();
  buildGateway(ROOT);
  buildGateway(earlier.dir);
  const roots = { current: ROOT, earlier: earlier.dir };
  const stub = new CsmsStub();
  const csmsPort = await stub.ready();
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  try {
    const rows = quick ? undefined : await wallClock(ref, roots, csmsPort, agent);
    const memory = quick ? await idle(roots, csmsPort) : undefined;
    const instructions = await instructionCounts(roots, csmsPort, agent);
    report(ref, rows, memory, instructions, (performance.now() - started) / 1000);
  } finally {
    stub.close();
    agent.destroy();
    earlier.remove();
  }
}

const mid = (ws: Window[], pick: (w: Window) => number) => median(ws.map(pick));

function report(
  ref: string,
  rows: Rows | undefined,
  memory: Awaited<ReturnType<typeof idle>> | undefined,
  instructions: Record<string, Record<Which, InstructionCount>>,
  seconds: number,
): void {
  const k = (n: number) => `${(n / 1000).toFixed(0)} k`;
  console.log(
    `\nThis build against ${ref}: instructions per message (callgrind; ${WARM_UP} messages of warm-up, ${MEASURED} counted; V8's optimising compiler and its full collections left out; the work of idle timers taken off, then included, then the compiler and the full collections too)\n`,
  );
  console.log(
    `| mode | this build | ${ref} | change | with timer work, this / ${ref} | with the compiler and full collections, this / ${ref} | idle RSS, this / ${ref} | start to /health, this / ${ref} |`,
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [mode, c] of Object.entries(instructions)) {
    const idleOf = (which: Which) =>
      memory?.[mode]?.[which] ?? {
        idleRssMiB: mid(rows![mode]![which], (w) => w.idleRssMiB),
        startMs: mid(rows![mode]![which], (w) => w.startMs),
      };
    const [a, b] = [idleOf('current'), idleOf('earlier')];
    console.log(
      `| ${mode} | ${k(c.current.withoutTimersPerMessage)} | ${k(c.earlier.withoutTimersPerMessage)} | ` +
        `${pct(c.current.withoutTimersPerMessage, c.earlier.withoutTimersPerMessage)} | ` +
        `${k(c.current.perMessage)} / ${k(c.earlier.perMessage)} | ${k(c.current.withCompilerPerMessage)} / ${k(c.earlier.withCompilerPerMessage)} | ${a.idleRssMiB.toFixed(0)} / ${b.idleRssMiB.toFixed(0)} MiB | ${a.startMs.toFixed(0)} / ${b.startMs.toFixed(0)} ms |`,
    );
  }
  if (rows) {
    console.log(
      `\nThroughput as a ratio to bare node-soap measured around each window, and what each window cost (medians of ${ALTERNATIONS})\n`,
    );
    console.log(
      `| mode | this build (x bare) | ${ref} (x bare) | change | p50 at max load | event-loop delay p99 | CPU per message | store commits/s, messages per commit | RSS after the window |`,
    );
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const [mode, r] of Object.entries(rows)) {
      const both = (pick: (w: Window) => number, d: number, unit: string) =>
        `${mid(r.current, pick).toFixed(d)} / ${mid(r.earlier, pick).toFixed(d)}${unit}`;
      const [x, y] = [mid(r.current, (w) => w.throughput / w.bare), mid(r.earlier, (w) => w.throughput / w.bare)];
      const store =
        mode === 'embedded'
          ? `${both((w) => w.cost.store.commitsPerSecond, 1, '')}; ${both((w) => w.cost.store.messagesPerCommit, 1, '')}`
          : '';
      console.log(
        `| ${mode} | ${x.toFixed(2)} | ${y.toFixed(2)} | ${pct(x, y)} | ${both((w) => w.p50Ms, 1, ' ms')} | ` +
          `${both((w) => w.cost.loopDelayP99Ms, 1, ' ms')} | ${both((w) => w.cost.cpuMicrosPerMessage, 0, ' us')} | ${store} | ${both((w) => w.rssMiB, 0, ' MiB')} |`,
      );
    }
  }
  console.log(`\n(this / ${ref}; ${seconds.toFixed(0)} s in all)`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `against-${ref.replace(/[^\w.-]/g, '_')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ ref, quick, alternations: ALTERNATIONS, seconds: SECONDS, warmUp: WARM_UP, measured: MEASURED, instructions, memory, rows }, null, 2)}\n`,
  );
  log(`results in ${file}`);
}
