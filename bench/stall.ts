/**
 * A stall at half load (bench/README.md, "Method": the stall): the gateway is stopped with SIGSTOP for a second while
 * an open loop keeps sending at half its maximum, then let go, and the run reads how long each second's messages took
 * until they are answered as fast as before. A queue that, once behind, carries fewer messages per second than
 * arrive never gets back (each second's p50 grows by about a second); one that recovers takes a few seconds.
 */
import { cpuMicros, type Gateway } from './processes.js';
import { counters } from './costs.js';
import { openLoop, percentile } from './load.js';
import type { Send } from './rounds.js';
import { log } from './settings.js';

export const STALL_MS = 1_000;
/** Seconds of load before the stall, and in all. */
const BEFORE_S = 4;
const TOTAL_S = 40;
/** A second counts as recovered when half its messages are answered within this. */
export const RECOVERED_P50_MS = 10;

export interface SecondFigures {
  sent: number;
  errors: number;
  p50: number;
  p99: number;
  /** Messages delivered directly (Redis mode) over all, in this second by the gateway's counters. */
  directShare: number;
  cpuPerMessageUs: number;
}

export interface StallRecovery {
  rate: number;
  stallMs: number;
  /** When the stall began, in seconds from the start of the load. */
  stallAtS: number;
  seconds: SecondFigures[];
  /** Seconds from the end of the stall to the first second from which every second is recovered; undefined: never. */
  recoveredAfterS?: number;
}

/** Seconds in a row that must be fast for the gateway to count as recovered. */
export const RECOVERED_RUN_S = 5;

/**
 * The first second, at or after `from`, that begins RECOVERED_RUN_S seconds in a row with a p50 within `limitMs`, as
 * an offset from `from`; undefined when there is none. A later slow second does not undo it: on a shared machine
 * another stall may come, and this measures the recovery from the one the bench caused.
 */
export function recoveredAfter(p50s: number[], from: number, limitMs = RECOVERED_P50_MS): number | undefined {
  let run = 0;
  for (let s = from; s < p50s.length; s++) {
    run = p50s[s]! <= limitMs ? run + 1 : 0;
    if (run === RECOVERED_RUN_S) return s - RECOVERED_RUN_S + 1 - from;
  }
  return undefined;
}

/**
 * Sends at `perSecond` for TOTAL_S seconds over 64 chargers (the bench's open loop), stopping the gateway for STALL_MS
 * after BEFORE_S.
 */
export async function measureStall(gw: Gateway, send: Send, perSecond: number): Promise<StallRecovery> {
  const pid = gw.child.pid!;
  const latencies = Array.from({ length: TOTAL_S }, () => [] as number[]);
  const errors = new Array<number>(TOTAL_S).fill(0);
  const sampling = sampleCounters(gw, pid, performance.now());
  const stall = setTimeout(() => {
    process.kill(pid, 'SIGSTOP');
    setTimeout(() => process.kill(pid, 'SIGCONT'), STALL_MS);
  }, BEFORE_S * 1000);
  try {
    // Steps of a charger's day past those the earlier windows sent, so that no MessageID repeats one of theirs.
    await openLoop(
      perSecond,
      64,
      TOTAL_S,
      (client, seq) => send(client, 1_000_000 + seq),
      (dueMs, latency) => {
        const second = Math.min(TOTAL_S - 1, Math.floor(dueMs / 1000));
        if (latency === undefined) errors[second]!++;
        else latencies[second]!.push(latency);
      },
    );
  } finally {
    clearTimeout(stall);
  }
  const samples = await sampling.stop();
  const seconds = latencies.map((l, s) => ({
    sent: l.length + errors[s]!,
    errors: errors[s]!,
    p50: percentile(l, 50),
    p99: percentile(l, 99),
    ...(samples[s] ?? { directShare: Number.NaN, cpuPerMessageUs: Number.NaN }),
  }));
  const stallEndS = BEFORE_S + Math.ceil(STALL_MS / 1000);
  const recovery: StallRecovery = {
    rate: perSecond,
    stallMs: STALL_MS,
    stallAtS: BEFORE_S,
    seconds,
    recoveredAfterS: recoveredAfter(
      seconds.map((s) => s.p50),
      stallEndS,
    ),
  };
  log(
    `stall of ${STALL_MS} ms at ${perSecond} msg/s: p50 per second ${seconds.map((s) => s.p50.toFixed(0)).join(' ')} ms; ` +
      `direct ${seconds.map((s) => (s.directShare * 100).toFixed(0)).join(' ')}%; recovered ${recovery.recoveredAfterS ?? 'never'} s after`,
  );
  return recovery;
}

/**
 * The gateway's share delivered directly and its CPU per message, read every second and kept by the second (from
 * `start`) the read ended in: a read that waited out the stall counts for the second it ended in, and the seconds it
 * spanned have none.
 */
function sampleCounters(gw: Gateway, pid: number, start: number) {
  const samples: { directShare: number; cpuPerMessageUs: number }[] = [];
  const read = async () => ({ cpu: cpuMicros(pid), ...(await counters(gw)) });
  let last = read();
  let busy = Promise.resolve();
  const timer = setInterval(() => {
    busy = busy.then(async () => {
      const [before, now] = [await last, await read()];
      last = Promise.resolve(now);
      const messages = now.messages - before.messages + now.direct - before.direct;
      samples[Math.floor((performance.now() - start) / 1000)] = {
        directShare: messages > 0 ? (now.direct - before.direct) / messages : Number.NaN,
        cpuPerMessageUs: messages > 0 ? (now.cpu - before.cpu) / messages : Number.NaN,
      };
    });
  }, 1000);
  return {
    stop: async () => {
      clearInterval(timer);
      await busy;
      return samples;
    },
  };
}

/** Recovery within this many seconds of the stall's end is the target: the same load was carried before it. */
export const RECOVERY_TARGET_S = 20;

/** The table's row for the stall (bench/report.ts). */
export function stallRow(r: StallRecovery, check: (ok: boolean) => string): string[] {
  const from = r.stallAtS;
  const p50s = r.seconds.slice(from).map((s) => (s.p50 >= 100 ? s.p50.toFixed(0) : s.p50.toFixed(1)));
  const last = r.seconds.at(-1);
  return [
    `gateway, Redis: a ${r.stallMs / 1000} s stall at ${r.rate} msg/s (half load)`,
    r.recoveredAfterS === undefined
      ? `not within ${r.seconds.length - from - 1} s`
      : `recovered in ${r.recoveredAfterS} s`,
    `p50 of each second from the stall on: ${p50s.join(', ')} ms; last second ${((last?.directShare ?? Number.NaN) * 100).toFixed(0)}% delivered directly, ${(last?.cpuPerMessageUs ?? Number.NaN).toFixed(0)} us per message`,
    `p50 <= ${RECOVERED_P50_MS} ms within ${RECOVERY_TARGET_S} s`,
    check(r.recoveredAfterS !== undefined && r.recoveredAfterS <= RECOVERY_TARGET_S),
  ];
}
