import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { InflightRecords, type PartitionKeys } from '../../src/queue/inflight.js';
import { LeaseManager } from '../../src/queue/lease-manager.js';
import { Takeover } from '../../src/queue/takeover.js';
import type { UpstreamJob } from '../../src/queue/upstream-queue.js';
import { redisRegistry } from '../../src/state/redis/registry.js';
import { emptyChargerState } from '../../src/translate/charger-state.js';
import { UpstreamConnection } from '../../src/upstream/connection.js';
import { UpstreamError } from '../../src/upstream/connection-types.js';
import { ocpp16 } from '../../src/ocpp/v16/protocol.js';
import { createLogger } from '../../src/util/log.js';
import { FencedOut, type Fence } from '../../src/util/lua-command.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { REDIS_URL } from '../helpers/gateway-harness.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { until } from '../helpers/wait.js';

/**
 * Fencing (docs/architecture.md#fencing) on a real Redis: an instance that stops renewing (frozen) loses its lease to
 * another, which draws a higher token; the frozen one knows its lease lapsed, its claims and every write it makes on
 * the partition's behalf are refused in the write's own script, it steps back once, and its CSMS connection sends
 * nothing more.
 */
describe('partition fencing (real Redis)', () => {
  const redis = new Redis(REDIS_URL);
  const managers: LeaseManager[] = [];
  const prefixes: string[] = [];
  after(async () => {
    for (const m of managers) await m.stop();
    redis.disconnect();
    for (const prefix of prefixes) await deleteKeysWithPrefix(REDIS_URL, prefix);
  });

  const newPrefix = () => {
    const prefix = `fence-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return prefix;
  };

  const manager = (
    prefix: string,
    instanceId: string,
    renewMs: number,
    lines: string[] = [],
    released: { p: number; lost: boolean }[] = [],
    /** Until it resolves, the work of a partition given up is still ending (onRelease). */
    drained: Promise<void> = Promise.resolve(),
    retaken: number[] = [],
  ) => {
    const m = new LeaseManager({
      redis,
      prefix,
      instanceId,
      partitions: 1,
      ttlMs: 1_000,
      renewMs,
      logger: createLogger('warn', { write: (line: string) => void lines.push(line) }),
      onAcquire: async () => undefined,
      onRelease: async (p, lost) => {
        released.push({ p, lost });
        await drained;
      },
      onRetaken: async (p) => void retaken.push(p),
    });
    managers.push(m);
    return m;
  };

  /** A "frozen" instance (renews once a minute, so its 1 s lease lapses) and the successor that takes partition 0. */
  const frozenAndSuccessor = async (
    prefix: string,
    lines: string[] = [],
    released: { p: number; lost: boolean }[] = [],
    drained: Promise<void> = Promise.resolve(),
  ) => {
    const frozen = manager(prefix, 'frozen', 60_000, lines, released, drained);
    await frozen.start();
    const stale = frozen.fence(0);
    assert.ok(stale && frozen.fresh(0));
    const successor = manager(prefix, 'successor', 100);
    return { frozen, stale, successor };
  };

  const keys = (prefix: string, fence: string): PartitionKeys => ({
    lease: `${prefix}:lease:p0`,
    wait: `${prefix}:wait`,
    active: `${prefix}:active`,
    delayed: `${prefix}:delayed`,
    jobPrefix: `${prefix}:job:`,
    marksComplete: `${prefix}:marks-complete`,
    fence,
  });
  const job = (identity: string): UpstreamJob =>
    ({ id: randomUUID(), identity, action: 'Heartbeat', receivedAt: new Date().toISOString() }) as UpstreamJob;

  it('a takeover draws a higher token; the stale owner knows it lapsed and its claims are refused', async () => {
    const prefix = newPrefix();
    const { frozen, successor } = await frozenAndSuccessor(prefix);
    const staleToken = frozen.token(0);
    const records = new InflightRecords(redis, prefix);
    const k = keys(prefix, frozen.fenceKey(0));
    assert.equal(await records.claim(0, k, `${prefix}:marks:a`, 'frozen', job('CP-A'), staleToken), 'CP-A');

    await successor.start();
    await until(() => successor.token(0) > 0, 'the successor to take the lapsed lease', 5_000);
    assert.ok(successor.token(0) > staleToken, 'each takeover increases the token');
    assert.equal(frozen.fresh(0), false, 'the frozen instance knows its lease lapsed before it renews');
    assert.equal(
      await records.claim(0, k, `${prefix}:marks:b`, 'frozen', job('CP-B'), staleToken),
      undefined,
      "the stale owner's claim is refused",
    );
    assert.equal(
      await records.claim(0, k, `${prefix}:marks:b`, 'successor', job('CP-B'), staleToken),
      undefined,
      'a claim with an old token is refused even under the owner id',
    );
    assert.equal(await records.claim(0, k, `${prefix}:marks:b`, 'successor', job('CP-B'), successor.token(0)), 'CP-B');
  });

  it("a stale owner's registry writes are refused in their own script, and it steps back once", async () => {
    const prefix = newPrefix();
    const lines: string[] = [];
    const released: { p: number; lost: boolean }[] = [];
    let drain!: () => void;
    const drained = new Promise<void>((resolve) => (drain = resolve));
    const { frozen, successor } = await frozenAndSuccessor(prefix, lines, released, drained);
    const stale = redisRegistry(
      redis,
      prefix,
      () => frozen.partitions.has(0),
      undefined,
      () => frozen.fence(0),
    );
    const current = redisRegistry(
      redis,
      prefix,
      () => false,
      undefined,
      () => successor.fence(0),
    );
    const state = (heartbeatInterval: number) => ({ ...emptyChargerState('CP-1'), heartbeatInterval });
    await stale.states.save(state(60));
    await stale.queued.add('CP-1', 1);

    await successor.start();
    await until(() => successor.token(0) > 0, 'the successor to take the lapsed lease', 5_000);
    await current.states.save(state(120));
    await current.queued.add('CP-1', 1);

    await assert.rejects(stale.states.save(state(30)), FencedOut);
    assert.equal(frozen.partitions.has(0), false, 'the stale owner stepped back');
    assert.equal(frozen.fresh(0), false);
    await assert.rejects(stale.queued.add('CP-1', -1), FencedOut);
    await assert.rejects(stale.contacts.setBacklog('CP-1', true), FencedOut);
    await assert.rejects(
      stale.authorizations.put('CP-1', 'TAG', { idTagInfo: { status: 'Blocked' }, at: 'x' }),
      FencedOut,
    );
    await assert.rejects(stale.secrets.setAuthorizationKey('CP-1', 'stale-key'), FencedOut);
    assert.equal((await current.states.load('CP-1'))?.heartbeatInterval, 120, "the successor's state stands");
    assert.equal(await current.queued.count('CP-1'), 2);
    assert.equal(await redis.exists(`${prefix}:backlog:CP-1`), 0);
    assert.equal(await current.authorizations.get('CP-1', 'TAG'), undefined);
    assert.equal(await current.secrets.authorizationKey('CP-1'), undefined);

    const steps = lines.filter((l) => l.includes('stepping back'));
    assert.equal(steps.length, 1, `stepped back once, logged once: ${steps.join('')}`);
    await until(() => released.length === 1, 'the partition to be given up', 5_000);
    assert.deepEqual(released, [{ p: 0, lost: true }]);
    // Once its work there has ended, the instance writes as any non-owner does (the ingress): unconditionally.
    drain();
    await until(() => frozen.fence(0) === undefined, 'the step back to end', 5_000);
    await stale.contacts.setBacklog('CP-1', true);
    assert.equal(await redis.exists(`${prefix}:backlog:CP-1`), 1);
  });

  it("a stale owner's in-flight records and takeover sweeps are refused; the new owner's go through", async () => {
    const prefix = newPrefix();
    const { frozen, stale, successor } = await frozenAndSuccessor(prefix);
    const records = new InflightRecords(redis, prefix);
    const message = job('CP-A');
    assert.ok(await records.claim(0, keys(prefix, frozen.fenceKey(0)), `${prefix}:m`, 'frozen', message, stale!.token));

    await successor.start();
    await until(() => successor.token(0) > 0, 'the successor to take the lapsed lease', 5_000);
    let refusals = 0;
    const refusedOnce = (): Fence => ({ ...stale!, refused: () => refusals++ });
    await assert.rejects(records.update(0, { ...message, acknowledged: true }, 'frozen', refusedOnce()), FencedOut);
    await assert.rejects(records.release(0, message, refusedOnce()), FencedOut);
    assert.deepEqual(
      (await records.list(0)).map((r) => [r.job.id, r.job.acknowledged, r.replyTo]),
      [[message.id, undefined, 'frozen']],
      'the record the new owner delivers is left as it was',
    );

    // A job active without a lock (its consumer died): only the new owner's sweep moves it back to the queue.
    await redis.rpush(`${prefix}:active`, 'job-1');
    const takeover = new Takeover(redis);
    const sweepKeys = {
      active: `${prefix}:active`,
      wait: `${prefix}:wait`,
      marker: `${prefix}:marker`,
      jobPrefix: `${prefix}:job:`,
    };
    let moved = 0;
    takeover.start(0, sweepKeys, refusedOnce, { everyMs: 50, forMs: 300 }, (n) => (moved += n));
    await until(() => refusals >= 4, "the stale owner's sweeps to be refused", 5_000);
    assert.deepEqual(await redis.lrange(`${prefix}:active`, 0, -1), ['job-1'], "the stale owner's sweep moves nothing");
    takeover.start(
      0,
      sweepKeys,
      () => successor.fence(0),
      { everyMs: 50, forMs: 300 },
      (n) => (moved += n),
    );
    await until(() => moved === 1, "the new owner's sweep to move the job", 5_000);
    assert.deepEqual(await redis.lrange(`${prefix}:wait`, 0, -1), ['job-1']);
    takeover.stopAll();

    await records.update(0, { ...message, acknowledged: true }, 'frozen', successor.fence(0));
    assert.deepEqual(
      (await records.list(0)).map((r) => [r.job.acknowledged, r.replyTo]),
      [[true, 'frozen']],
      'rewritten, the record still names the instance that claimed it',
    );
    await records.release(0, message, successor.fence(0));
    assert.deepEqual(await records.list(0), []);
  });

  /** A started owner of partition 0 renewing every `renewMs`, with what it was told: partitions retaken, released. */
  const startedOwner = async (renewMs: number) => {
    const prefix = newPrefix();
    const retaken: number[] = [];
    const released: { p: number; lost: boolean }[] = [];
    const owner = manager(prefix, 'owner', renewMs, [], released, Promise.resolve(), retaken);
    await owner.start();
    return { prefix, owner, retaken, released, first: owner.token(0) };
  };

  it('a lease that lapsed with no other owner is taken again under a new token, and its left work picked up', async () => {
    const { prefix, owner, retaken, released, first } = await startedOwner(100);
    await redis.del(`${prefix}:lease:p0`); // as after a Redis outage longer than the lease
    await until(() => retaken.length === 1, 'the lease to be taken again', 5_000);
    assert.deepEqual(retaken, [0]);
    assert.ok(owner.token(0) > first, 'a new token: writes of the earlier holding are refused');
    assert.ok(owner.fresh(0) && owner.partitions.has(0));
    assert.deepEqual(released, [], 'the partition was never given up');
  });

  it('a lease renewed after it lapsed here (the key outlived the lapse) resumes under the same token, and its left work is picked up', async () => {
    // Renewed every 1.5 s against a 1 s lease: between 0.9 s and the renewal the instance does not count it valid.
    const { prefix, owner, retaken, released, first } = await startedOwner(1_500);
    await redis.pexpire(`${prefix}:lease:p0`, 60_000); // as a promoted replica that kept the key through a failover
    await until(() => !owner.fresh(0), 'the lease to lapse here', 5_000);
    await until(() => retaken.length > 0, 'the lease to be renewed', 5_000);
    assert.equal(owner.token(0), first, 'the same holding: no new token was drawn');
    assert.ok(owner.fresh(0));
    assert.deepEqual(retaken, [0]);
    assert.deepEqual(released, [], 'the partition was never given up');
  });

  /** A charger's upstream connection whose right to deliver is `right.may`, to a CSMS of its own. */
  async function fencedConnection(identity: string, right: { may: boolean }) {
    const csms = await new TestCsms().start();
    const connection = new UpstreamConnection({
      csmsUrl: csms.url,
      identity,
      protocol: ocpp16,
      pingIntervalSec: 0,
      reconnectMinMs: 20,
      reconnectMaxMs: 200,
      logger: createLogger('silent'),
      onCall: async () => ({ payload: {} }),
      mayDeliver: () => right.may,
    });
    /** The next CALL is written while the right holds, which lapses before the frame leaves the process (a freeze). */
    const lapseAfterNextWrite = () => {
      const ws = (connection as unknown as { ws: { send: (...args: unknown[]) => void } }).ws;
      const send = ws.send.bind(ws);
      ws.send = (...args: unknown[]) => {
        send(...args);
        right.may = false;
      };
    };
    const stop = async () => {
      connection.close();
      await csms.stop();
    };
    return { csms, connection, lapseAfterNextWrite, stop };
  }

  it('a CALL goes out only while the instance may deliver; frames held past that are dropped, not sent late', async () => {
    const right = { may: true };
    const { csms, connection, lapseAfterNextWrite, stop } = await fencedConnection('CP-FENCE', right);
    try {
      await connection.call('Heartbeat', {}, Date.now() + 5_000);
      assert.equal(csms.callsFor('CP-FENCE').length, 1);

      right.may = false;
      await assert.rejects(
        connection.call('Heartbeat', {}, Date.now() + 5_000),
        (err: unknown) => err instanceof UpstreamError && err.kind === 'fenced',
      );
      // Written while it still may, but the right lapses before the frame leaves the process: the held frame goes
      // with its socket instead of reaching the CSMS late.
      right.may = true;
      lapseAfterNextWrite();
      await assert.rejects(connection.call('Heartbeat', {}, Date.now() + 5_000), UpstreamError);
      await until(() => connection.state === 'idle', 'the dropped connection to stay closed', 5_000);
      assert.equal(csms.callsFor('CP-FENCE').length, 1, 'the CSMS received nothing after the right lapsed');
      assert.equal(csms.connectionCount, 1, 'an owner connection does not reconnect without the right');
    } finally {
      await stop();
    }
  });

  it('a connection opened before the instance owned the partition drops held frames too once the right lapses', async () => {
    const right = { may: false };
    const { csms, connection, lapseAfterNextWrite, stop } = await fencedConnection('CP-FENCE-LATE', right);
    try {
      // Opened by an instance that does not own the charger's partition (the ingress does for a refused identity).
      connection.connect();
      await until(() => connection.isOpen, 'the connection to open while the instance is not the owner', 5_000);
      right.may = true; // the partition's lease is taken afterwards
      await connection.call('Heartbeat', {}, Date.now() + 5_000);
      assert.equal(csms.callsFor('CP-FENCE-LATE').length, 1);
      lapseAfterNextWrite();
      await assert.rejects(connection.call('Heartbeat', {}, Date.now() + 5_000), UpstreamError);
      await until(() => connection.state === 'idle', 'the dropped connection to stay closed', 5_000);
      assert.equal(csms.callsFor('CP-FENCE-LATE').length, 1, 'the CSMS received nothing after the right lapsed');
    } finally {
      await stop();
    }
  });
});
