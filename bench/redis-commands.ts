/**
 * Redis commands per message, by command: `npx tsx bench/redis-commands.ts [checkout]` runs the compiled gateway in Redis
 * mode, warms it up, then sends a fixed number of messages with the bench's closed-loop senders and reads the
 * difference of `INFO commandstats` around them (bench/README.md, "Profiles"). Use a Redis nothing else is using.
 */
import { Agent } from 'node:http';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../test/helpers/redis-keys.js';
import { CsmsStub } from './csms-stub.js';
import { closedLoop } from './load.js';
import { startGateway } from './processes.js';
import { soapSender } from './rounds.js';
import { CLIENTS, log, REDIS_URL } from './settings.js';

/** `INFO commandstats` as calls per command. */
export function commandCalls(info: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
  return calls;
}

/** Counts the scripts Redis runs (EVALSHA), named by their first two keys with ids and prefixes left out. */
async function watchScripts(redis: Redis): Promise<{ counts: Map<string, number>; stop(): void }> {
  const monitor = await redis.monitor();
  const counts = new Map<string, number>();
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() !== 'evalsha') return;
    const keys = Number(args[2]);
    const shape = args.slice(3, 3 + Math.min(keys, 2)).map((k) =>
      k
        .replace(/^bench-[a-z0-9]+/, '')
        .replace(/gw-bench-[a-z0-9]+-\d+/g, '<id>')
        .replace(/\d+/g, 'N'),
    );
    const what = `${args[1]!.slice(0, 8)} ${shape.join(' ')}`;
    counts.set(what, (counts.get(what) ?? 0) + 1);
  });
  return { counts, stop: () => monitor.disconnect() };
}

async function main(): Promise<void> {
  const root = resolve(process.argv[2] ?? '.');
  const stub = new CsmsStub();
  const csmsPort = await stub.ready();
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const prefix = `bench-${Math.random().toString(36).slice(2, 10)}`;
  const redis = new Redis(REDIS_URL);
  const gw = await startGateway(csmsPort, { REDIS_URL, REDIS_PREFIX: prefix }, false, root, {
    command: [],
    startSeconds: 20,
  });
  try {
    const send = soapSender(agent, gw.url, `gw-${prefix}`);
    await closedLoop(CLIENTS, 4, send);
    const scripts = await watchScripts(redis);
    const before = commandCalls(await redis.info('commandstats'));
    const result = await closedLoop(CLIENTS, 6, send);
    const after = commandCalls(await redis.info('commandstats'));
    scripts.stop();
    log(`${root}: ${result.completed} messages`);
    console.log(`\n| command | per message |\n|---|---|`);
    const rows = [...after].map(([cmd, n]) => [cmd, (n - (before.get(cmd) ?? 0)) / result.completed] as const);
    for (const [cmd, per] of rows.filter(([, per]) => per > 0.001).sort((a, b) => b[1] - a[1])) {
      console.log(`| ${cmd} | ${per.toFixed(3)} |`);
    }
    console.log(`\n| script (its first keys) | per message |\n|---|---|`);
    for (const [what, n] of [...scripts.counts].sort((a, b) => b[1] - a[1])) {
      if (n / result.completed > 0.001) console.log(`| ${what} | ${(n / result.completed).toFixed(3)} |`);
    }
  } finally {
    await gw.stop();
    stub.close();
    agent.destroy();
    await deleteKeysWithPrefix(REDIS_URL, prefix);
    redis.disconnect();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
