import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** SIGTERM and wait for the exit (graceful shutdown is part of what is tested). */
async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Polls `check` until it holds. Resolves false if `exited` says the process is gone first. Timed on the monotonic
 * clock: a step of the wall clock (a VM syncing its time) must not end or stretch the wait.
 */
async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  exited: () => boolean = () => false,
): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (await check().catch(() => false)) return true;
    if (exited()) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

/** The last lines of a log file, for an error message. */
function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A redis-server of the test's own, with AOF fsync on every write, so a restart keeps every queued message. */
export class RedisProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'gw-redis-'));
  port = 0;
  private child?: ChildProcess;

  /** `extraArgs`: more redis-server options for the next start (a replica's `--replicaof`). */
  constructor(public extraArgs: string[] = []) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port ||= await freePort();
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        ...this.extraArgs,
      ],
      { stdio: 'ignore' },
    );
    await waitFor(() => ping(this.port), 10_000, 'redis-server');
    return this;
  }

  /** kill -9, resolved once the process is gone: what it had not replicated is lost. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await terminate(this.child);
    this.child = undefined;
  }
}

/** Whether a redis-server (or sentinel) answers PING on this port. */
export function pings(port: number): Promise<boolean> {
  return ping(port);
}

/** PING over a raw socket: no client library involved in deciding whether Redis is up. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.setTimeout(1_000, () => (socket.destroy(), resolve(false)));
    socket.on('data', (d) => {
      resolve(d.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.on('error', () => resolve(false));
  });
}

/** A gateway as its own process (`node --import tsx src/main.ts`), configured by environment, logging to a file. */
export class GatewayProcess {
  soapPort = 0;
  adminPort = 0;
  private child?: ChildProcess;
  readonly logFile: string;
  /** The embedded store's directory when the test does not set DATA_DIR itself. */
  readonly dataDir = mkdtempSync(join(tmpdir(), 'gw-data-'));

  constructor(
    private readonly env: Record<string, string>,
    name: string,
    /** A soft limit of open files for the process (`ulimit -n`), for runs that must run out of descriptors. */
    private readonly fileLimit?: number,
  ) {
    this.logFile = join(mkdtempSync(join(tmpdir(), 'gw-log-')), `${name}.log`);
  }

  get soapUrl(): string {
    return `http://127.0.0.1:${this.soapPort}/CentralSystemService`;
  }

  /**
   * Starts the process and waits for /health. Ports come from `freePort`, so another process (a test file running
   * beside this one) may take one before the gateway binds it: a start that ends in EADDRINUSE is tried again on other
   * ports; any other early exit fails at once with the log's last lines.
   */
  async start(): Promise<this> {
    for (let attempt = 1; ; attempt++) {
      const child = await this.spawnOnce();
      const exited = () => child.exitCode !== null || child.signalCode !== null;
      const health = async () => (await fetch(`http://127.0.0.1:${this.adminPort}/health`)).ok;
      const what = `gateway (log: ${this.logFile})`;
      try {
        if (await waitFor(health, 20_000, what, exited)) return this;
      } catch (err) {
        throw new Error(`${(err as Error).message}; its log ends:\n${tail(this.logFile)}`);
      }
      const log = tail(this.logFile);
      if (!log.includes('EADDRINUSE') || attempt === 3)
        throw new Error(`${what} exited during its start (code ${child.exitCode}); its log ends:\n${log}`);
    }
  }

  private async spawnOnce(): Promise<ChildProcess> {
    this.soapPort = await freePort();
    this.adminPort = await freePort();
    const out = openSync(this.logFile, 'a');
    const args = ['--import', 'tsx', 'src/main.ts'];
    const [command, argv] =
      this.fileLimit === undefined
        ? [process.execPath, args]
        : ['/bin/sh', ['-c', `ulimit -n ${this.fileLimit} && exec "$0" "$@"`, process.execPath, ...args]];
    this.child = spawn(command, argv, {
      // A data directory of its own unless the test names one (a restart on the same DATA_DIR).
      env: {
        ...process.env,
        CONFIG: '',
        DATA_DIR: this.dataDir,
        PORT: String(this.soapPort),
        HOST: '127.0.0.1',
        ADMIN_PORT: String(this.adminPort),
        ...this.env,
      },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    return this.child;
  }

  /** SIGSTOP / SIGCONT: the process freezes (a long GC pause, a VM stall) and resumes; SIGHUP: it reads its file again. */
  signal(signal: 'SIGSTOP' | 'SIGCONT' | 'SIGHUP'): void {
    this.child?.kill(signal);
  }

  /** kill -9: no shutdown, no lease release. */
  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }

  /** kill -9, resolved once the process is gone (its file lock and ports are free again). */
  async killAndWait(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await terminate(this.child);
    this.child = undefined;
  }
}

export interface GatewayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the spawn to the exit. */
  ms: number;
}

/**
 * Runs a gateway process that is expected to stop by itself (a start error): resolves with its exit code and what it
 * wrote, apart on stdout and stderr. Killed, and rejected, when it is still running after `timeoutMs`.
 */
export async function runGatewayToExit(env: Record<string, string>, timeoutMs = 15_000): Promise<GatewayExit> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      CONFIG: '',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      ADMIN_PORT: String(await freePort()),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<GatewayExit>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `gateway still running after ${timeoutMs} ms (stdout: ${stdout.slice(-500)}; stderr: ${stderr.slice(-500)})`,
        ),
      );
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Math.round(performance.now() - started) });
    });
  });
}
