/**
 * The processes the bench measures: the gateway, started as in production, and the bare SOAP baseline; and what the
 * bench reads of a process from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log, sleep } from './settings.js';

export function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

/** The most resident memory the process has had since it started (VmHWM), MiB. */
export function peakRssMiB(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

/** A port nothing listens on once this resolves (also the CSMS_URL of the outage probe: a closed port). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system) a process has used, in microseconds; /proc counts clock ticks of 10 ms. */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export interface Gateway {
  child: ChildProcess;
  url: URL;
  adminPort: number;
  /** The gateway's own DATA_DIR (durable store), deleted when it stops; undefined for the other modes. */
  dataDir?: string;
  /** From the start of the process to its first healthy /health, in ms (polled every 20 ms). */
  startMs: number;
  stop(): Promise<void>;
}

/** Temporary DATA_DIRs not yet deleted: deleted at the latest when the bench exits, even after a failure. */
const dataDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});
/** statfs type of tmpfs: a store there never waits for a disk, and its commits cost next to nothing. */
const TMPFS = 0x01021994;

/**
 * A fresh, empty DATA_DIR for one gateway process (bench/README.md, "Method"): in the system's temporary directory
 * (`TMPDIR`), so that the store's fsyncs go to that file system; the run says so if it is a tmpfs.
 */
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ocppgw-bench-'));
  dataDirs.add(dir);
  if (statfsSync(dir).type === TMPFS)
    log(`DATA_DIR ${dir} is on a tmpfs: the store's commits do not reach a disk (set TMPDIR to a directory on one)`);
  return dir;
}

/**
 * The only variables a gateway takes from the bench's own environment. The gateway is configured by its environment,
 * so anything more would change the mode being measured without a trace in the results: a `REDIS_URL` exported to
 * point the bench at its Redis would run the "embedded" mode on Redis, and a `REDIS_PREFIX`, `CONFIG`, `DATA_DIR`,
 * `STORE` or `PARTITIONS` left in the shell would change every mode. `NODE_OPTIONS` is not the gateway's configuration
 * and applies to every mode alike, so a probe's V8 flags (`--trace-gc`) still reach the gateways.
 */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'NODE_OPTIONS'] as const;

/** A gateway's whole environment: the settings every mode shares, then the mode's own (`REDIS_URL` for Redis). */
function gatewayEnv(
  port: number,
  adminPort: number,
  csmsPort: number,
  mode: Record<string, string>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of INHERITED) if (process.env[name] !== undefined) env[name] = process.env[name];
  return {
    ...env,
    // Empty, not absent: without CONFIG the gateway would read config/gateway.yaml if someone had created one.
    CONFIG: '',
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_PORT: String(adminPort),
    CSMS_URL: `ws://127.0.0.1:${csmsPort}/ocpp`,
    ADMISSION: 'auto-accept',
    LOG_LEVEL: 'warn',
    // As the Docker image runs it: outbound schema checks sample (docs/architecture.md#outbound-schema-checks).
    NODE_ENV: 'production',
    WS_PING_INTERVAL_SEC: '0',
    ...mode,
  };
}

/** The npm scripts of a checkout's package.json. */
const scriptsOf = (root: string): Record<string, string> | undefined =>
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts;

/**
 * Compiles the gateway in `root` as `npm start` does (`npm run build`), so that what is measured is what runs in
 * production; a build from before there was a build step is run through tsx.
 */
export function buildGateway(root = '.'): void {
  if (!scriptsOf(root)?.build) return;
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
}

/**
 * The node flags of the checkout's `npm start` (`node <flags> dist/main.js`); a build older than its start script
 * ran with `--no-memory-reducer` alone.
 */
export function startFlags(root = '.'): string[] {
  const command = /^node ((?:--\S+ )*)dist\/main\.js$/.exec(scriptsOf(root)?.start ?? '');
  return command ? command[1]!.trim().split(' ').filter(Boolean) : ['--no-memory-reducer'];
}

/**
 * A gateway in its own process, as in production; `mode` is the environment that selects the mode measured. With
 * `durable`, the gateway gets a fresh DATA_DIR of its own (the embedded durable store), deleted when it stops.
 */
export async function startGateway(
  csmsPort: number,
  mode: Record<string, string>,
  durable = false,
  /** The checkout to run (`--against` runs an earlier build from a worktree of its own). */
  root?: string,
  /**
   * A command the gateway runs under (`valgrind --tool=callgrind ...` for the instruction counts, bench/instructions.ts),
   * and how long to wait for its /health then: under valgrind the start takes tens of seconds; `nodeFlags` are node's
   * own (`--cpu-prof`, which NODE_OPTIONS does not take).
   */
  launcher: { command: string[]; startSeconds: number; nodeFlags?: string[] } = { command: [], startSeconds: 20 },
): Promise<Gateway> {
  const port = await freePort();
  const adminPort = await freePort();
  const dataDir = durable ? freshDataDir() : undefined;
  // The command of `npm start`, its V8 flags read from the checkout's package.json (bench/README.md, "Ninth round: the
  // benchmark's method, and V8's memory reducer"): the compiled gateway, or for a build from before there was one,
  // through tsx.
  const compiled = existsSync(join(root ?? '.', 'dist/main.js'));
  const entry = compiled ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const node = [process.execPath, ...startFlags(root), ...(launcher.nodeFlags ?? [])];
  const [command, ...args] = [...launcher.command, ...node, ...entry];
  const started = performance.now();
  const child = spawn(command!, args, {
    env: gatewayEnv(port, adminPort, csmsPort, dataDir ? { ...mode, DATA_DIR: dataDir } : mode),
    cwd: root,
    // The gateway logs (JSON lines on stdout, warnings and worse at LOG_LEVEL=warn) go to the bench's stderr: a
    // warning during a run explains an error count, and the table on stdout stays clean.
    stdio: ['ignore', process.stderr, 'inherit'],
  });
  let startMs = Number.NaN;
  for (let i = 0; i < launcher.startSeconds * 50; i++) {
    if (
      await fetch(`http://127.0.0.1:${adminPort}/health`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      startMs = performance.now() - started;
      break;
    }
    await sleep(20);
  }
  return {
    child,
    url: new URL(`http://127.0.0.1:${port}/CentralSystemService`),
    adminPort,
    dataDir,
    startMs,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (dataDir) {
        rmSync(dataDir, { recursive: true, force: true });
        dataDirs.delete(dataDir);
      }
    },
  };
}

export async function startBareSoap(): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/bare-soap-server.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  return { child, url: new URL(`http://127.0.0.1:${port}/CentralSystemService`) };
}
