/**
 * Where a gateway's time goes in a load phase: its CPU from /proc, its group-commit batches and its durable store's
 * commits from its metrics, and with Redis the round trips from `INFO commandstats`. Diagnostics beside the targets,
 * not targets (bench/README.md, "Method").
 */
import type { Redis } from 'ioredis';
import type { LoadResult } from './load.js';
import { cpuMicros, type Gateway } from './processes.js';
import { median } from './stats.js';

/**
 * Top-level Redis calls: scripts (EVALSHA: BullMQ's and the registry's) and BullMQ's blocking fetch (BZPOPMIN); a
 * script cannot issue either, so these are round trips. Counted server-wide: run the bench on a Redis nobody else uses.
 */
async function redisCalls(redis: Redis): Promise<{ evalsha: number; bzpopmin: number }> {
  const info = await redis.info('commandstats');
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  return { evalsha: calls('evalsha'), bzpopmin: calls('bzpopmin') };
}

/** One scrape of the gateway's /metrics: a metric's value by name (0 when absent). */
export async function gatewayMetrics(gw: Gateway): Promise<(name: string) => number> {
  const text = await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`).then((r) => r.text());
  // A name may carry its labels (`ocppgw_queue_depth{partition="embedded"}`): the braces are matched literally.
  return (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)`, 'm').exec(text)?.[1] ?? 0);
}

/** The period of prom-client's event-loop monitor (its default `eventLoopMonitoringPrecision`, which the gateway keeps). */
export const LOOP_MONITOR_PERIOD_MS = 10;

/** How late a tick of the monitor was, from the interval Node recorded between two ticks. */
export const lateness = (intervalMs: number) => Math.max(0, intervalMs - LOOP_MONITOR_PERIOD_MS);

/** The counters read around a phase (and every second of the stall, bench/stall.ts). */
export async function counters(gw: Gateway) {
  const value = await gatewayMetrics(gw);
  return {
    jobs: value('ocppgw_queue_jobs_added_total'),
    messages: value('ocppgw_queue_messages_added_total'),
    direct: value('ocppgw_queue_direct_total'),
    commits: value('ocppgw_store_commits_total'),
    written: value('ocppgw_store_messages_written_total'),
    commitErrors: value('ocppgw_store_commit_errors_total'),
    // prom-client's event-loop delay histogram (perf_hooks.monitorEventLoopDelay, 10 ms resolution), reset at every
    // scrape: read after a phase, it is the phase's. Node records the time between two ticks of the monitor's 10 ms
    // timer, not how late a tick was (an idle process reads p50 10.1 ms), so the period is taken off (bench/README.md,
    // "Method": event-loop delay).
    loopDelayP99: lateness(value('ocppgw_nodejs_eventloop_lag_p99_seconds') * 1000),
    loopDelayMax: lateness(value('ocppgw_nodejs_eventloop_lag_max_seconds') * 1000),
  };
}

/** The embedded durable store's work in one phase (bench/README.md, "Method": the store's commits); 0 without a store. */
export interface StoreWork {
  /** Durable commits (each one fsync) per second of the phase, wall clock. */
  commitsPerSecond: number;
  /** Queued messages written per commit: the group-commit size (0 when no message had to be written). */
  messagesPerCommit: number;
  /** Messages written over messages answered: the share not delivered before the next commit. */
  writtenShare: number;
  commitErrors: number;
}

/** Where a gateway's time goes in one load phase (diagnostics beside the targets, not targets). */
export interface PhaseCost {
  /** Gateway CPU per answered message, in microseconds. */
  cpuMicrosPerMessage: number;
  /** Messages per queue job (group commit); 1 in the embedded queue. */
  messagesPerJob: number;
  /** Share of the messages delivered directly by the partition's consumer, without a BullMQ job (Redis only). */
  directShare: number;
  /** With Redis: Lua script calls and blocking fetches per message. */
  evalshaPerMessage?: number;
  bzpopminPerMessage?: number;
  store: StoreWork;
  /**
   * The gateway's event-loop delay in the phase, p99 and maximum, in ms: how late a timer fires, i.e. how long the
   * longest turns of the loop were (a commit that blocked the loop would show here).
   */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** Measures the cost of one load phase of a gateway (CPU from /proc, batches and commits from its metrics, Redis calls). */
export async function costOf(
  gw: Gateway,
  redis: Redis | undefined,
  phase: () => Promise<LoadResult>,
): Promise<{ result: LoadResult; cost: PhaseCost }> {
  // The CPU and the clock are read next to the phase, so that the metrics scrapes around it are not counted as its cost.
  const added0 = await counters(gw);
  const calls0 = redis && (await redisCalls(redis));
  const cpu0 = cpuMicros(gw.child.pid!);
  const t0 = performance.now();
  const result = await phase();
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuMicros(gw.child.pid!);
  const added1 = await counters(gw);
  const calls1 = redis && (await redisCalls(redis));
  const n = Math.max(1, result.completed);
  const commits = added1.commits - added0.commits;
  const written = added1.written - added0.written;
  const cost: PhaseCost = {
    cpuMicrosPerMessage: (cpu1 - cpu0) / n,
    loopDelayP99Ms: added1.loopDelayP99,
    loopDelayMaxMs: added1.loopDelayMax,
    messagesPerJob: (added1.messages - added0.messages) / Math.max(1, added1.jobs - added0.jobs),
    directShare:
      (added1.direct - added0.direct) / Math.max(1, added1.direct - added0.direct + added1.messages - added0.messages),
    store: {
      commitsPerSecond: commits / seconds,
      messagesPerCommit: written / Math.max(1, commits),
      writtenShare: written / n,
      commitErrors: added1.commitErrors - added0.commitErrors,
    },
  };
  if (calls0 && calls1) {
    cost.evalshaPerMessage = (calls1.evalsha - calls0.evalsha) / n;
    cost.bzpopminPerMessage = (calls1.bzpopmin - calls0.bzpopmin) / n;
  }
  return { result, cost };
}

export const medianCost = (costs: PhaseCost[]): PhaseCost => {
  const of = (pick: (c: PhaseCost) => number | undefined) => {
    const values = costs.map(pick).filter((v): v is number => v !== undefined);
    return values.length ? median(values) : undefined;
  };
  const cost: PhaseCost = {
    cpuMicrosPerMessage: of((c) => c.cpuMicrosPerMessage)!,
    loopDelayP99Ms: of((c) => c.loopDelayP99Ms)!,
    // The maximum of the rounds, not a median: one long turn is worth seeing.
    loopDelayMaxMs: Math.max(...costs.map((c) => c.loopDelayMaxMs)),
    messagesPerJob: of((c) => c.messagesPerJob)!,
    directShare: of((c) => c.directShare)!,
    store: {
      commitsPerSecond: of((c) => c.store.commitsPerSecond)!,
      messagesPerCommit: of((c) => c.store.messagesPerCommit)!,
      writtenShare: of((c) => c.store.writtenShare)!,
      // Errors are summed, not a median: one failed commit in any round is worth seeing.
      commitErrors: costs.reduce((sum, c) => sum + c.store.commitErrors, 0),
    },
  };
  const evalsha = of((c) => c.evalshaPerMessage);
  const bzpopmin = of((c) => c.bzpopminPerMessage);
  if (evalsha !== undefined && bzpopmin !== undefined)
    Object.assign(cost, { evalshaPerMessage: evalsha, bzpopminPerMessage: bzpopmin });
  return cost;
};
