/**
 * Instructions per message: the gateway run under valgrind's callgrind, which counts the instructions the process
 * executes (every thread, garbage collection and the JIT compiler included). Unlike req/s or CPU time, a count of
 * instructions does not move when other processes share the cores, so two builds can be compared on a busy machine
 * (bench/README.md, "Instructions per message"). The machine's hardware counters (`perf stat -e instructions`) are not
 * available in these virtual machines; callgrind counts in software.
 *
 * Under callgrind the gateway runs about 50 times slower, so the load is a fixed number of messages from a few
 * senders rather than a time window: WARM_UP messages (so that the hot path is compiled), a dump of the counters
 * (which zeroes them), MEASURED messages, and a second dump, whose total over MEASURED is the figure.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteKeysWithPrefix } from '../test/helpers/redis-keys.js';
import { compilerShare, type DumpInstructions, dumpInstructions, isHot } from './callgrind-dump.js';
import { startGateway } from './processes.js';
import { soapSender, type Send } from './rounds.js';
import { log, quick, REDIS_URL, sleep } from './settings.js';

/** Senders at once: enough that group commit and frame coalescing do some work, as they do under load. */
const SENDERS = 16;
/**
 * Messages before the counters are zeroed. After 4,000, V8's optimising compiler still took 12 to 29% of a counted
 * window and one gateway of a pair ran more unoptimised code than the other; after 12,000, 5 to 7% in both
 * (bench/README.md, "Instructions per message").
 */
export const WARM_UP = Number(process.env.BENCH_CG_WARM ?? (quick ? 1_000 : 12_000));
/** Messages counted. */
export const MEASURED = Number(process.env.BENCH_CG_MEASURED ?? (quick ? 200 : 1_000));
/**
 * The most of a counted window's instructions V8's optimising compiler may take for the window to count as the
 * gateway running hot, and how many windows are counted at most before the last is taken anyway. One with `--quick`:
 * after its 1,000 messages the compiler takes half of every window of 200 for several windows more, so further
 * windows would only lengthen the short variant.
 */
export const SETTLED_COMPILER_SHARE = Number(process.env.BENCH_CG_SETTLED ?? 0.1);
export const MAX_WINDOWS = Number(process.env.BENCH_CG_WINDOWS ?? (quick ? 1 : 3));

const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
/** Seconds without messages after the count, to measure the work the gateway does on timers whatever the load. */
export const IDLE_SECONDS = Number(process.env.BENCH_CG_IDLE ?? 10);

/** `total` messages from SENDERS senders, each sending its next when the last is answered; resolves with the errors. */
async function send(total: number, sender: Send): Promise<number> {
  let next = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async (_, client) => {
      for (let seq = 0; next < total; seq++) {
        next++;
        if (!(await sender(client, seq).catch(() => false))) errors++;
      }
    }),
  );
  return errors;
}

/**
 * The callgrind dump in `dir` made on request (`<file>.1`), once written: the dump is written when the gateway next
 * runs after the request, so it is waited for.
 */
async function dumpFile(dir: string, n = 1): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const dump = readdirSync(dir).find((name) => name.startsWith('cg.') && name.endsWith(`.${n}`));
    if (dump && /^totals: \d+/m.test(readFileSync(join(dir, dump), 'utf8'))) return join(dir, dump);
    await sleep(100);
  }
  throw new Error(`no callgrind dump in ${dir} after 60 s: ${readdirSync(dir).join(', ')}`);
}

/**
 * Counted windows of MEASURED messages, each dumped (which zeroes the counters), until one in which V8's optimising
 * compiler did at most SETTLED_COMPILER_SHARE of the instructions, or MAX_WINDOWS: a window in which the compiler is
 * still busy runs code that is not optimised yet, and serves as more warm-up (bench/README.md, "Instructions per
 * message"). Counting must be on.
 */
async function countWhenHot(sender: Send, dir: string, dump: () => void) {
  let errors = 0;
  for (let windows = 1; ; windows++) {
    const t1 = performance.now();
    errors += await send(MEASURED, sender);
    dump();
    const t2 = performance.now();
    const counted = instructions(await dumpFile(dir, windows));
    if (isHot(counted, SETTLED_COMPILER_SHARE) || windows >= MAX_WINDOWS) return { counted, t1, t2, windows, errors };
    log(`counted window ${windows}: V8's compiler still at ${percent(compilerShare(counted))}, counted again`);
  }
}

/**
 * A dump's instructions: in all, in V8's optimising compilers and in V8's full collections (bench/callgrind-dump.ts).
 * The compiler's share falls with a longer warm-up (about 57% of the instructions after 1,000 messages, 20% after
 * 5,000); a full collection falls into a count or not, and one adds about 120 k per message to a count of 1,000
 * (bench/README.md, "Instructions per message"). What is left is what every message costs once the gateway runs hot,
 * the figure two builds are compared by.
 */
function instructions(dump: string): DumpInstructions {
  return dumpInstructions(readFileSync(dump, 'utf8'));
}

export interface InstructionCount {
  /**
   * Instructions the gateway executed per message, over MEASURED messages, V8's optimising compiler and its full
   * collections left out.
   */
  perMessage: number;
  /** The same, the compiler and the full collections included. */
  withCompilerPerMessage: number;
  /** V8's full collections during the count, per message: 0 or a few k without one, about 120 k with one. */
  fullCollectionsPerMessage: number;
  /**
   * The same, without the work the gateway does on its timers (lease renewal, samples for the charts, reloads):
   * instructions per second when idle, times the seconds the count took, taken off. Under callgrind a message takes
   * about 50 times longer, so timer work weighs 50 times more per message than it does at full speed.
   */
  withoutTimersPerMessage: number;
  /** Instructions per second with no messages (the compiler left out). */
  idlePerSecond: number;
  messages: number;
  /** Windows of MEASURED messages counted: the last is the count (see countWhenHot). */
  windows: number;
  /** V8's optimising compiler's share of the counted window's instructions. */
  compilerShare: number;
  errors: number;
}

/**
 * One gateway (the build in `root`, in the mode `env` selects) under callgrind: WARM_UP messages, then the
 * instructions of MEASURED messages. `prefix` names the chargers (and the Redis keys, for the caller to delete).
 */
export async function countInstructions(
  agent: Agent,
  csmsPort: number,
  root: string,
  env: Record<string, string>,
  durable: boolean,
  prefix: string,
  /** The traffic (by default a charger's day, bench/envelopes.ts). */
  traffic?: (identity: string, seq: number) => string,
): Promise<InstructionCount> {
  const dir = mkdtempSync(join(tmpdir(), 'ocppgw-callgrind-'));
  const gw = await startGateway(csmsPort, env, durable, root, {
    // Counting starts switched off: the start and the warm-up run about five times faster uninstrumented.
    command: [
      'valgrind',
      '--tool=callgrind',
      '--quiet',
      '--instr-atstart=no',
      `--vgdb-prefix=${join(dir, 'vgdb')}`,
      `--callgrind-out-file=${join(dir, 'cg.%p')}`,
      // More of callgrind's options for a look at where the instructions go (bench/README.md, "Method").
      ...(process.env.BENCH_CALLGRIND_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
    startSeconds: 180,
  });
  try {
    const sender = soapSender(agent, gw.url, `gw-${prefix}`, traffic);
    // vgdb finds the gateway by a file named after the prefix, the pid, $USER and $HOST as the gateway sees them: the
    // gateway's environment has no USER and HOST=127.0.0.1 (its listening address), so callgrind_control gets the same.
    const control = (...args: string[]) =>
      execFileSync('callgrind_control', [`--vgdb-prefix=${join(dir, 'vgdb')}`, ...args, String(gw.child.pid)], {
        env: { PATH: process.env.PATH, HOST: '127.0.0.1' },
        stdio: 'ignore',
      });
    const t0 = performance.now();
    const warmUpErrors = await send(WARM_UP, sender);
    const warmUpSeconds = (performance.now() - t0) / 1000;
    control('--instr=on');
    const hot = await countWhenHot(sender, dir, () => control('--dump'));
    const { counted, t1, t2, windows } = hot;
    const errors = warmUpErrors + hot.errors;
    await sleep(IDLE_SECONDS * 1000);
    control('--dump');
    const idle = instructions(await dumpFile(dir, windows + 1));
    const idlePerSecond = (idle.total - idle.compiler - idle.fullCollections) / ((performance.now() - t2) / 1000);
    const perMessage = (counted.total - counted.compiler - counted.fullCollections) / MEASURED;
    const result = {
      perMessage,
      withCompilerPerMessage: counted.total / MEASURED,
      fullCollectionsPerMessage: counted.fullCollections / MEASURED,
      withoutTimersPerMessage: perMessage - (idlePerSecond * (t2 - t1)) / 1000 / MEASURED,
      idlePerSecond,
      messages: MEASURED,
      windows,
      compilerShare: compilerShare(counted),
      errors,
    };
    const k = (n: number) => `${(n / 1000).toFixed(0)} k`;
    log(
      `instructions per message: ${k(result.perMessage)}, ${k(result.withCompilerPerMessage)} with the compiler and ` +
        `full collections (these ${k(result.fullCollectionsPerMessage)}), ` +
        `${k(result.withoutTimersPerMessage)} without timer work (idle ${k(idlePerSecond)}/s) ` +
        `(${root}, ${JSON.stringify(env)}; warm-up ${warmUpSeconds.toFixed(0)} s, counted window ${windows} of ` +
        `${MAX_WINDOWS} in ${((t2 - t1) / 1000).toFixed(0)} s, compiler ${percent(result.compilerShare)}, ${errors} errors)`,
    );
    return result;
  } finally {
    await gw.stop();
    // BENCH_KEEP_CALLGRIND=1 keeps the dumps, for `callgrind_annotate <dir>/cg.<pid>.1` (where the instructions went).
    if (process.env.BENCH_KEEP_CALLGRIND) log(`callgrind dumps kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** A gateway to count: the checkout it runs from and the environment of its mode. */
export interface CountRun {
  root: string;
  env: Record<string, string>;
  durable: boolean;
  /** The traffic, when not a charger's day (MeterValues only: bench/fleet-api.ts). */
  traffic?: (identity: string, seq: number) => string;
}

/**
 * Counts several gateways, `parallel` at a time: the counts do not depend on the other processes, so they may share
 * the cores. Each Redis gateway gets a key prefix of its own, deleted afterwards.
 */
export async function countAll(
  agent: Agent,
  csmsPort: number,
  runs: CountRun[],
  parallel: number,
): Promise<InstructionCount[]> {
  const out: InstructionCount[] = new Array(runs.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < runs.length; i = next++) {
      const run = runs[i]!;
      const prefix = `bench-${randomUUID().slice(0, 8)}`;
      const redis = 'REDIS_URL' in run.env;
      try {
        out[i] = await countInstructions(
          agent,
          csmsPort,
          run.root,
          redis ? { ...run.env, REDIS_PREFIX: prefix } : run.env,
          run.durable,
          prefix,
          run.traffic,
        );
      } finally {
        if (redis) await deleteKeysWithPrefix(REDIS_URL, prefix);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, runs.length) }, worker));
  return out;
}

/** Two gateways counted side by side: a `base` and a `changed` one (an earlier build and this one, the API off and on). */
export interface PairCount {
  base: InstructionCount;
  changed: InstructionCount;
}

/** What the changed gateway of a pair costs more per message, as a share of the base one's (timer work taken off). */
export const changeOf = (pair: PairCount) =>
  pair.changed.withoutTimersPerMessage / pair.base.withoutTimersPerMessage - 1;

/** The pair whose change is the median of `pairs` (the middle one of three). */
export const medianPair = (pairs: PairCount[]): PairCount =>
  [...pairs].sort((a, b) => changeOf(a) - changeOf(b))[pairs.length >> 1]!;

/**
 * Pairs of gateways, each counted side by side; a pair whose first change `doubtful` questions is counted twice more,
 * and the pair with the median change is reported with all of them. The pair is the unit: its two counts ran at the
 * same time, and one pair can differ by a fifth with nothing changed (bench/README.md, "Comparing two builds").
 */
export async function countPairs(
  agent: Agent,
  csmsPort: number,
  runs: { base: CountRun; changed: CountRun }[],
  doubtful: (change: number) => boolean,
): Promise<{ median: PairCount; pairs: PairCount[] }[]> {
  const countOf = async (which: number[]) => {
    const counts = await countAll(
      agent,
      csmsPort,
      which.flatMap((i) => [runs[i]!.base, runs[i]!.changed]),
      2,
    );
    return which.map((_, j) => ({ base: counts[2 * j]!, changed: counts[2 * j + 1]! }));
  };
  const pairs = (await countOf(runs.map((_, i) => i))).map((pair) => [pair]);
  const again = pairs.flatMap((list, i) => (doubtful(changeOf(list[0]!)) ? [i] : []));
  for (let round = 0; round < 2 && again.length > 0; round++)
    for (const [j, pair] of (await countOf(again)).entries()) pairs[again[j]!]!.push(pair);
  return pairs.map((list) => ({ median: medianPair(list), pairs: list }));
}

/** The trace and the per-message metrics on and off: a durable gateway of each, counted side by side. */
export async function countObserving(
  agent: Agent,
  csmsPort: number,
): Promise<{ on: InstructionCount; off: InstructionCount }> {
  const [on, off] = await countAll(
    agent,
    csmsPort,
    [
      { root: '.', env: {}, durable: true },
      { root: '.', env: { TRACE: 'false', MESSAGE_METRICS: 'false' }, durable: true },
    ],
    2,
  );
  return { on: on!, off: off! };
}
