/**
 * The run's parameters, from the command line (`--quick`) and the environment (`REDIS_URL`), and its stderr log.
 */

export const quick = process.argv.includes('--quick');
/** `--against <ref>`: compare this build with an earlier one instead of the full run (bench/against.ts). */
export const against = (() => {
  const i = process.argv.indexOf('--against');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
/** `--observing`: only the trace and per-message metrics row, counted in instructions (bench/observing.ts). */
export const observingOnly = process.argv.includes('--observing');
/** `--protocols`: only the rows of the 2.0.1 upstream and the 1.6 SOAP chargers (bench/observing.ts). */
export const protocolsOnly = process.argv.includes('--protocols');
export const SECONDS = quick ? 2 : 4;
/** Rounds per throughput measure (median reported). */
export const ROUNDS = quick ? 1 : 3;
/**
 * Rounds of paired latency windows for the targets (median reported): five, so that the median stays clean when two
 * rounds land in a stall. The comparison rows (16 partitions, and the default at their rate) take ROUNDS.
 */
export const LATENCY_ROUNDS = quick ? 1 : 5;
/**
 * Closed-loop warm-up before a sender's first measurement. A gateway is still compiling its hot path for several
 * seconds: after a 1 s warm-up its first 4 s round ran 20-28% below the later ones (and used a third more CPU per
 * message), in both modes, so the first of three rounds measured a cold gateway (bench/README.md, "Ninth round: the
 * benchmark's method, and V8's memory reducer").
 */
export const WARM_UP_SECONDS = quick ? 1 : 8;
export const CLIENTS = 64;
export const FLEET_STEPS = quick ? [100, 1_000] : [100, 1_000, 10_000];
/** The bench's Redis, and the one the gateway's Redis modes are given. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The three ways the gateway runs, as `--against` and the wrk rows measure them; `durable` gets a DATA_DIR. */
export const MODES = [
  { name: 'embedded', env: {}, durable: true },
  { name: 'memory', env: { STORE: 'memory' }, durable: false },
  { name: 'redis', env: { REDIS_URL }, durable: false },
] as const;

export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
