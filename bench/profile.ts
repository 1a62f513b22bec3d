/**
 * Where a gateway's CPU goes under load: `npx tsx bench/profile.ts [embedded|memory|redis|legacy|shadow] [checkout]`
 * runs the compiled gateway (`legacy` and `shadow`: durable, migration routes `legacy` and `legacy+shadow` to a bare
 * SOAP server as the legacy system) with `node --cpu-prof`, warms it up, loads it for 10 s with the bench's 64
 * closed-loop senders, stops it, and prints the ten functions with the most self time (bench/README.md, "Profiles").
 * The checkout defaults to this one; it must be built (`npm run build`). The same self time is then summed per source
 * file; `PROFILE_OUT=<file>` keeps the profile (open it in Chrome's DevTools).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { deleteKeysWithPrefix } from '../test/helpers/redis-keys.js';
import { CsmsStub } from './csms-stub.js';
import { closedLoop, rate } from './load.js';
import { startBareSoap, startGateway } from './processes.js';
import { soapSender } from './rounds.js';
import { CLIENTS, log, REDIS_URL } from './settings.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time summed under the key `keyOf` gives each sample's frame, as shares of all samples, largest first. */
function selfTimesBy(
  profile: Profile,
  keyOf: (frame: ProfileNode['callFrame']) => string,
): { name: string; share: number }[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const byKey = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const key = keyOf(byNode.get(id)!.callFrame);
    const dt = profile.timeDeltas[i] ?? 0;
    byKey.set(key, (byKey.get(key) ?? 0) + dt);
    total += dt;
  });
  return [...byKey].map(([name, t]) => ({ name, share: t / total })).sort((a, b) => b.share - a.share);
}

/** Self time by function (name, file and line). */
export function selfTimes(profile: Profile): { name: string; share: number }[] {
  return selfTimesBy(profile, ({ functionName, url, lineNumber }) =>
    url ? `${functionName || '(anonymous)'} ${basename(url)}:${lineNumber + 1}` : functionName,
  );
}

/** Where a script's time is counted by file: a dependency under its package name, the gateway's files by path. */
function fileOf(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/(?:dist|src)\/(.+)$/.exec(url);
  return own ? own[1]! : basename(url);
}

/** Self time by source file, a dependency's files summed under its package; V8's own entries by their name. */
export function selfTimesByFile(profile: Profile): { name: string; share: number }[] {
  return selfTimesBy(profile, ({ functionName, url }) => (url ? fileOf(url) : functionName));
}

/** The environment of a profiled mode; `legacyUrl` is the legacy system's, for `legacy` and `shadow`. */
function envOf(mode: string, prefix: string, legacyUrl: URL | undefined): Record<string, string> {
  if (mode === 'redis') return { REDIS_URL, REDIS_PREFIX: prefix };
  if (mode === 'memory') return { STORE: 'memory' };
  if (!legacyUrl) return {};
  return { LEGACY_CS_URL: legacyUrl.href, ROUTE: mode === 'shadow' ? 'legacy+shadow' : 'legacy' };
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'embedded';
  const root = resolve(process.argv[3] ?? '.');
  const dir = mkdtempSync(join(tmpdir(), 'ocppgw-profile-'));
  const stub = new CsmsStub();
  const csmsPort = await stub.ready();
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const prefix = `bench-${Math.random().toString(36).slice(2, 10)}`;
  // The migration modes route to a legacy system: the bench's bare SOAP server, which answers at once.
  const legacy = mode === 'legacy' || mode === 'shadow' ? await startBareSoap() : undefined;
  const gw = await startGateway(
    csmsPort,
    envOf(mode, prefix, legacy?.url),
    mode !== 'redis' && mode !== 'memory',
    root,
    {
      command: [],
      startSeconds: 20,
      nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    },
  );
  try {
    const send = soapSender(agent, gw.url, `gw-${prefix}`);
    await closedLoop(CLIENTS, 8, send);
    const result = await closedLoop(CLIENTS, 10, send);
    log(`${mode} (${root}): ${rate(result).toFixed(0)} msg/s under the profiler`);
  } finally {
    await gw.stop();
    stub.close();
    legacy?.child.kill('SIGTERM');
    agent.destroy();
    if (mode === 'redis') await deleteKeysWithPrefix(REDIS_URL, prefix);
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  if (process.env.PROFILE_OUT) copyFileSync(join(dir, file), process.env.PROFILE_OUT);
  rmSync(dir, { recursive: true, force: true });
  printTop('function', selfTimes(profile).slice(0, 10));
  printTop('file', selfTimesByFile(profile).slice(0, 15));
}

function printTop(what: string, rows: { name: string; share: number }[]): void {
  console.log(`\n| ${what} | self time |\n|---|---|`);
  for (const t of rows) console.log(`| \`${t.name}\` | ${(t.share * 100).toFixed(1)}% |`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
