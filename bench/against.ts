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
import { buildGateway, rssMiB, startBareSoap, startGateway } from './processes.js';
import { soapSender } from './rounds.js';
import { CLIENTS, log, quick, REDIS_URL, SECONDS, WARM_UP_SECONDS } from './settings.js';
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
    const send = soapSender(agent, gw.url, `gw-${prefix}`);
    await closedLoop(CLIENTS, WARM_UP_SECONDS, send);
    const before = await bare();
    const result = await closedLoop(CLIENTS, SECONDS, send);
    const after = await bare();
    return {
      throughput: rate(result),
      bare: (before + after) / 2,
      p50Ms: percentile(result.latenciesMs, 50),
      rssMiB: rssMiB(gw.child.pid!),
    };
  } finally {
    await gw.stop();
    if ('REDIS_URL' in mode.env) await deleteKeysWithPrefix(REDIS_URL, prefix);
  }
}

const pct = (current: number, earlier: number) =>
  `${current >= earlier ? '+' : ''}${(((current - earlier) / earlier) * 100).toFixed(1)}%`;

export async function compareWith(ref: string): Promise<void> {
  const earlier = checkout(ref);
  buildGateway(ROOT);
  buildGateway(earlier.dir);
  const stub = new CsmsStub();
  const csmsPort = await stub.ready();
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const bareServer = await startBareSoap();
  const sendBare = soapSender(agent, bareServer.url, 'bare');
  const bare = async () => rate(await closedLoop(CLIENTS, SECONDS, sendBare));
  await closedLoop(CLIENTS, WARM_UP_SECONDS, sendBare);
  const modes = [
    { name: 'embedded', env: {}, durable: true },
    { name: 'memory', env: { STORE: 'memory' }, durable: false },
    { name: 'redis', env: { REDIS_URL }, durable: false },
  ] as const;
  const rows: Record<string, { current: Window[]; earlier: Window[] }> = {};
  try {
    for (const mode of modes) {
      rows[mode.name] = { current: [], earlier: [] };
      for (let i = 0; i < ALTERNATIONS; i++) {
        // Which build goes first alternates too: neither always gets the warmer machine.
        const order = i % 2 === 0 ? (['current', 'earlier'] as const) : (['earlier', 'current'] as const);
        for (const which of order) {
          const w = await window(agent, csmsPort, which === 'current' ? ROOT : earlier.dir, mode, bare);
          rows[mode.name]![which].push(w);
          log(
            `${mode.name} ${which === 'current' ? 'this build' : ref}: ${w.throughput.toFixed(0)} msg/s, bare ${w.bare.toFixed(0)}, p50 ${w.p50Ms.toFixed(2)} ms`,
          );
        }
      }
    }
  } finally {
    bareServer.child.kill('SIGTERM');
    stub.close();
    agent.destroy();
    earlier.remove();
  }
  report(ref, rows);
}

function report(ref: string, rows: Record<string, { current: Window[]; earlier: Window[] }>): void {
  const summary = Object.fromEntries(
    Object.entries(rows).map(([mode, r]) => {
      const ratio = (ws: Window[]) => median(ws.map((w) => w.throughput / w.bare));
      const p50 = (ws: Window[]) => median(ws.map((w) => w.p50Ms));
      const rss = (ws: Window[]) => median(ws.map((w) => w.rssMiB));
      return [
        mode,
        {
          current: ratio(r.current),
          earlier: ratio(r.earlier),
          p50Current: p50(r.current),
          p50Earlier: p50(r.earlier),
          rssCurrent: rss(r.current),
          rssEarlier: rss(r.earlier),
          windows: r,
        },
      ];
    }),
  );
  console.log(
    `\nThis build against ${ref}: throughput as a ratio to bare node-soap measured around each window (median of ${ALTERNATIONS})\n`,
  );
  console.log(
    `| mode | this build (x bare) | ${ref} (x bare) | change | p50 at max load, this / ${ref} | RSS after the window, this / ${ref} |`,
  );
  console.log('|---|---|---|---|---|---|');
  for (const [mode, s] of Object.entries(summary))
    console.log(
      `| ${mode} | ${s.current.toFixed(2)} | ${s.earlier.toFixed(2)} | ${pct(s.current, s.earlier)} | ${s.p50Current.toFixed(1)} / ${s.p50Earlier.toFixed(1)} ms | ${s.rssCurrent.toFixed(0)} / ${s.rssEarlier.toFixed(0)} MiB |`,
    );
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `against-${ref.replace(/[^\w.-]/g, '_')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ ref, quick, alternations: ALTERNATIONS, seconds: SECONDS, summary }, null, 2)}\n`,
  );
  log(`results in ${file}`);
}
