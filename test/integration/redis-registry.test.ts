import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { emptyChargerState } from '../../src/translate/charger-state.js';
import { redisRegistry } from '../../src/state/redis/registry.js';
import { REDIS_URL } from '../helpers/gateway-harness.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';

describe('Redis registry: states of consumed chargers are kept in memory (real Redis)', () => {
  const prefix = `regtest-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL);
  const other = new Redis(REDIS_URL);
  after(async () => {
    redis.disconnect();
    other.disconnect();
    await deleteKeysWithPrefix(REDIS_URL, prefix);
  });
  /** What another instance would write. */
  const writeElsewhere = (identity: string, heartbeatInterval: number) =>
    other.set(`${prefix}:charger:${identity}`, JSON.stringify({ ...emptyChargerState(identity), heartbeatInterval }));

  it('a consumed charger is read from Redis once, then from memory, and written through', async () => {
    const registry = redisRegistry(redis, prefix, () => true);
    await writeElsewhere('CP-1', 60);
    assert.equal((await registry.states.load('CP-1'))?.heartbeatInterval, 60);
    await writeElsewhere('CP-1', 61);
    assert.equal(
      (await registry.states.load('CP-1'))?.heartbeatInterval,
      60,
      'the copy in memory is used while the partition is ours',
    );
    await registry.states.update('CP-1', (s) => ({ ...s, heartbeatInterval: 300 }));
    assert.equal(
      JSON.parse((await other.get(`${prefix}:charger:CP-1`))!).heartbeatInterval,
      300,
      'written through to Redis',
    );
    assert.equal((await registry.states.load('CP-1'))?.heartbeatInterval, 300);
    registry.states.forgetCached();
    await writeElsewhere('CP-1', 62);
    assert.equal(
      (await registry.states.load('CP-1'))?.heartbeatInterval,
      62,
      'after a partition changed hands, Redis is read again',
    );
  });

  it('a charger of a partition this instance does not consume is always read from Redis', async () => {
    let consumed = true;
    const registry = redisRegistry(redis, prefix, () => consumed);
    await writeElsewhere('CP-2', 10);
    assert.equal((await registry.states.load('CP-2'))?.heartbeatInterval, 10);
    consumed = false;
    await writeElsewhere('CP-2', 11);
    assert.equal((await registry.states.load('CP-2'))?.heartbeatInterval, 11);
    consumed = true;
    await writeElsewhere('CP-2', 12);
    assert.equal(
      (await registry.states.load('CP-2'))?.heartbeatInterval,
      12,
      'the copy was dropped when the partition was not ours',
    );
  });
});
