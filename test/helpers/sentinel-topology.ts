import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, pings, RedisProcess } from './processes.js';
import { until } from './wait.js';

export const SENTINEL_NAME = 'gwprimary';

/** A replica's options; it may be promoted, so it syncs its own replicas at once too. */
const replicaOf = (port: number) => ['--replicaof', '127.0.0.1', String(port), '--repl-diskless-sync-delay', '0'];

/** One sentinel: `redis-server <conf> --sentinel`, its own config file (sentinels rewrite it). */
class SentinelProcess {
  port = 0;
  private child?: ChildProcess;

  async start(primaryPort: number): Promise<this> {
    this.port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'gw-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${this.port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primaryPort} 2`,
        // Quick failover for the tests: a primary silent for 1 s is down, a failover may take 5 s.
        `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
        `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
        '',
      ].join('\n'),
    );
    this.child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    await until(() => pings(this.port), 'redis sentinel to answer', 10_000);
    return this;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * A real Sentinel topology on free loopback ports: one primary, one replica, three sentinels (quorum 2), all Debian's
 * redis-server. The servers keep an AOF fsynced on every write, as the reliability suite's single Redis does.
 */
export class SentinelTopology {
  readonly servers: RedisProcess[] = [];
  readonly sentinels: SentinelProcess[] = [];

  async start(): Promise<this> {
    // Replicas sync at once (no 5 s wait for more replicas to share the transfer).
    const primary = await new RedisProcess(['--repl-diskless-sync-delay', '0']).start();
    const replica = await new RedisProcess(replicaOf(primary.port)).start();
    this.servers.push(primary, replica);
    for (let i = 0; i < 3; i++) this.sentinels.push(await new SentinelProcess().start(primary.port));
    await until(
      () =>
        this.replicaLinks().then(
          (n) => n >= 1,
          () => false,
        ),
      'the replica to be in sync with the primary',
      15_000,
    );
    // Every sentinel has found the others and the replica before the tests may fail anything over.
    await until(
      () =>
        Promise.all(this.sentinels.map((s) => this.sentinelView(s.port))).then(
          (views) => views.every((v) => v.sentinels >= 2 && v.replicas >= 1),
          () => false,
        ),
      'the sentinels to know each other and the replica',
      20_000,
    );
    return this;
  }

  /** REDIS_SENTINELS for a gateway. */
  get sentinelList(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  /** The server the sentinels name as primary now. */
  async primary(): Promise<RedisProcess> {
    const client = new Redis({ port: this.sentinels[0]!.port, host: '127.0.0.1', lazyConnect: true });
    client.on('error', () => undefined); // a failed command says it
    try {
      const [, port] = (await client.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_NAME)) as [string, string];
      const server = this.servers.find((s) => s.port === Number(port));
      if (!server) throw new Error(`the sentinels name an unknown primary on port ${port}`);
      return server;
    } finally {
      client.disconnect();
    }
  }

  /** A client of the current primary (by Sentinel), for the test's own reads. */
  client(): Redis {
    return new Redis({
      sentinels: this.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      name: SENTINEL_NAME,
      maxRetriesPerRequest: null,
    });
  }

  /** kill -9 of the primary; resolves once the sentinels have promoted the replica. */
  async killPrimary(): Promise<RedisProcess> {
    const old = await this.primary();
    await old.kill();
    await until(
      () =>
        this.primary().then(
          (p) => p !== old,
          () => false,
        ),
      'the sentinels to promote the replica',
      30_000,
    );
    return old;
  }

  /** A killed server starts again on its port and data; the sentinels make it a replica of the new primary. */
  async rejoin(server: RedisProcess): Promise<void> {
    server.extraArgs = replicaOf((await this.primary()).port);
    await server.start();
    await until(
      () =>
        this.replicaLinks().then(
          (n) => n >= 1,
          () => false,
        ),
      'the old primary to rejoin as a replica',
      30_000,
    );
  }

  /** Every Redis server stops (SIGTERM, AOF kept): no primary anywhere; the sentinels stay. */
  async stopServers(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }

  /** The servers start again on their ports and data, the primary the sentinels name first. */
  async startServers(): Promise<void> {
    const primary = await this.primary();
    primary.extraArgs = ['--repl-diskless-sync-delay', '0'];
    await primary.start();
    for (const s of this.servers) {
      if (s === primary) continue;
      s.extraArgs = replicaOf(primary.port);
      await s.start();
    }
    await until(
      () =>
        this.replicaLinks().then(
          (n) => n >= 1,
          () => false,
        ),
      'the replica to be back in sync',
      30_000,
    );
  }

  /** Replicas of the current primary done with their initial sync (INFO replication: state=online). */
  private async replicaLinks(): Promise<number> {
    const primary = await this.primary();
    const client = new Redis({ port: primary.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined); // a failed command says it
    try {
      const info = await client.info('replication');
      return info.split('\n').filter((line) => /^slave\d+:.*state=online/.test(line)).length;
    } finally {
      client.disconnect();
    }
  }

  private async sentinelView(port: number): Promise<{ sentinels: number; replicas: number }> {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined); // a failed command says it
    try {
      const fields = (await client.call('SENTINEL', 'master', SENTINEL_NAME)) as string[];
      const get = (name: string) => Number(fields[fields.indexOf(name) + 1]);
      return { sentinels: get('num-other-sentinels'), replicas: get('num-slaves') };
    } finally {
      client.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.sentinels.map((s) => s.stop()));
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}
