import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { InflightRecords, type PartitionKeys } from '../../src/queue/inflight.js';
import { LeaseManager } from '../../src/queue/lease-manager.js';
import type { UpstreamJob } from '../../src/queue/upstream-queue.js';
import { createLogger } from '../../src/util/log.js';
import { REDIS_URL } from '../helpers/gateway-harness.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { until } from '../helpers/wait.js';

/**
 * Fencing (docs/architecture.md#fencing) on a real Redis: an instance that stops renewing (frozen) loses its lease to
 * another, which draws a higher token; the frozen one knows its lease lapsed, and its claims are refused.
 */
describe('partition fencing (real Redis)', () => {
  const prefix = `fence-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL);
  const managers: LeaseManager[] = [];
  after(async () => {
    for (const m of managers) await m.stop();
    redis.disconnect();
    await deleteKeysWithPrefix(REDIS_URL, prefix);
  });

  const manager = (instanceId: string, renewMs: number) => {
    const m = new LeaseManager({
      redis,
      prefix,
      instanceId,
      partitions: 1,
      ttlMs: 1_000,
      renewMs,
      logger: createLogger('silent'),
      onAcquire: async () => undefined,
      onRelease: async () => undefined,
    });
    managers.push(m);
    return m;
  };

  const keys = (fence: string): PartitionKeys => ({
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
    // "frozen": renews only once a minute, so its 1 s lease lapses.
    const frozen = manager('frozen', 60_000);
    await frozen.start();
    const staleToken = frozen.token(0);
    assert.ok(staleToken > 0 && frozen.fresh(0));
    const records = new InflightRecords(redis, prefix);
    const k = keys(frozen.fenceKey(0));
    assert.equal(await records.claim(0, k, `${prefix}:marks:a`, 'frozen', job('CP-A'), staleToken), true);

    const successor = manager('successor', 100);
    await successor.start();
    await until(() => successor.token(0) > 0, 'the successor to take the lapsed lease', 5_000);
    assert.ok(successor.token(0) > staleToken, 'each takeover increases the token');
    assert.equal(frozen.fresh(0), false, 'the frozen instance knows its lease lapsed before it renews');
    assert.equal(
      await records.claim(0, k, `${prefix}:marks:b`, 'frozen', job('CP-B'), staleToken),
      false,
      "the stale owner's claim is refused",
    );
    assert.equal(
      await records.claim(0, k, `${prefix}:marks:b`, 'successor', job('CP-B'), staleToken),
      false,
      'a claim with an old token is refused even under the owner id',
    );
    assert.equal(await records.claim(0, k, `${prefix}:marks:b`, 'successor', job('CP-B'), successor.token(0)), true);
  });
});
