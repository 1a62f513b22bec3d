/**
 * Throughput as the project's performance targets were first measured (bench/README.md, "Method": wrk): wrk from
 * Debian's package, one thread and 32 connections, posting MeterValues of 64 booted chargers, each gateway mode's
 * windows between bare SOAP windows of the same tool. wrk is written in C and costs the machine a fraction of what the
 * bench's own Node senders do, so it leaves the gateway more of the two cores; both figures are printed.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deleteKeysWithPrefix } from '../test/helpers/redis-keys.js';
import { bootRequest, meterValuesRequest } from './envelopes.js';
import { postSoap } from './load.js';
import { startGateway } from './processes.js';
import { log, MODES, quick, REDIS_URL, ROUNDS } from './settings.js';
import { check, median } from './stats.js';

const run = promisify(execFile);
const CONNECTIONS = 32;
const CHARGERS = 64;
const WINDOW_SECONDS = quick ? 2 : 8;

export interface WrkMode {
  throughput: number;
  /** Median of the windows' ratios, each to the mean of the bare SOAP windows on either side. */
  ratio: number;
  rounds: { throughput: number[]; ratio: number[] };
  /** Answers other than 2xx and socket errors, over all windows. */
  errors: number;
}
export type WrkResult = { bareSoap: number; modes: Record<string, WrkMode> } | { missing: string };

/** A wrk script that posts MeterValues of `prefix-0` to `prefix-63` in turn, each with a MessageID of its own. */
function script(prefix: string): string {
  const bodies = Array.from({ length: CHARGERS }, (_, i) =>
    meterValuesRequest(`${prefix}-${i}`, 0).replace(/-0<\/a:MessageID>/, '-@SEQ@</a:MessageID>'),
  );
  const file = join(tmpdir(), `ocppgw-bench-wrk-${prefix}.lua`);
  writeFileSync(
    file,
    `local bodies = {${bodies.map((b) => `[[${b}]]`).join(',\n')}}
local n = 0
local headers = { ["Content-Type"] = "application/soap+xml; charset=utf-8" }
request = function()
  n = n + 1
  return wrk.format("POST", nil, headers, (bodies[(n % ${CHARGERS}) + 1]:gsub("@SEQ@", tostring(n))))
end
`,
  );
  return file;
}

/** One window: requests per second and the requests that failed. */
async function window(url: URL, file: string): Promise<{ rate: number; errors: number }> {
  const { stdout } = await run('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${WINDOW_SECONDS}s`, '-s', file, url.href]);
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rate, errors };
}

const hasWrk = () =>
  run('wrk', ['--version']).then(
    () => true,
    (err: { stdout?: string }) => /^wrk /.test(err.stdout ?? ''), // `wrk --version` exits 1 after printing it
  );

/** The three modes with wrk; without wrk on PATH, a result that says which package to install. */
export async function measureWithWrk(agent: Agent, csmsPort: number, bareUrl: URL): Promise<WrkResult> {
  if (!(await hasWrk())) {
    log('wrk is not installed (Debian package wrk): the rows measured with it are left out');
    return { missing: 'wrk (Debian package wrk)' };
  }
  const bareFile = script('bare');
  await window(bareUrl, bareFile); // warm-up
  let before = (await window(bareUrl, bareFile)).rate;
  const bares = [before];
  const modes: Record<string, WrkMode> = {};
  for (const { name, env, durable } of MODES) {
    const prefix = `bench-${randomUUID().slice(0, 8)}`;
    const gw = await startGateway(csmsPort, 'REDIS_URL' in env ? { ...env, REDIS_PREFIX: prefix } : env, durable);
    const file = script(`wrk-${name}`);
    try {
      for (let i = 0; i < CHARGERS; i++) await postSoap(agent, gw.url, bootRequest(`wrk-${name}-${i}`, i));
      await window(gw.url, file); // warm-up: JIT, the 64 upstream WebSockets
      const m: WrkMode = { throughput: 0, ratio: 0, rounds: { throughput: [], ratio: [] }, errors: 0 };
      for (let r = 0; r < ROUNDS; r++) {
        const g = await window(gw.url, file);
        const after = (await window(bareUrl, bareFile)).rate;
        m.rounds.throughput.push(g.rate);
        m.rounds.ratio.push(g.rate / ((before + after) / 2));
        m.errors += g.errors;
        bares.push(after);
        before = after;
      }
      m.throughput = median(m.rounds.throughput);
      m.ratio = median(m.rounds.ratio);
      modes[name] = m;
      log(
        `wrk, ${name}: ${m.throughput.toFixed(0)} msg/s, ratios ${m.rounds.ratio.map((x) => x.toFixed(2)).join(', ')}, ${m.errors} errors`,
      );
    } finally {
      await gw.stop();
      rmSync(file, { force: true });
      if ('REDIS_URL' in env) await deleteKeysWithPrefix(REDIS_URL, prefix);
    }
  }
  rmSync(bareFile, { force: true });
  return { bareSoap: median(bares), modes };
}

/** The issue targets, as ratios to bare SOAP under wrk: durable embedded, STORE=memory, Redis. */
export const WRK_TARGETS: Record<string, { label: string; ratio: number }> = {
  embedded: { label: 'embedded (durable store)', ratio: 0.8 },
  memory: { label: 'embedded (STORE=memory)', ratio: 0.9 },
  redis: { label: 'Redis', ratio: 0.55 },
};

/** The table's rows: one per mode, or one that says wrk is missing. */
export function wrkRows(result: WrkResult): string[][] {
  if ('missing' in result)
    return [['throughput with wrk (MeterValues, 32 connections)', 'not measured', `install ${result.missing}`, '', '']];
  return Object.entries(result.modes).map(([name, m]) => {
    const target = WRK_TARGETS[name]!;
    return [
      `gateway, ${target.label}: throughput with wrk (MeterValues, ${CONNECTIONS} connections)`,
      `${m.throughput.toFixed(0)} msg/s`,
      `${m.ratio.toFixed(2)} x bare SOAP under wrk (${result.bareSoap.toFixed(0)} msg/s)${m.rounds.ratio.length > 1 ? `; rounds ${m.rounds.ratio.map((x) => x.toFixed(2)).join(', ')}` : ''}; ${m.errors} errors`,
      `>= ${target.ratio.toFixed(2)} x`,
      check(m.ratio >= target.ratio && m.errors === 0),
    ];
  });
}
