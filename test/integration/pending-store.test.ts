import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import {
  type Decision,
  EmbeddedPendingStore,
  type Knock,
  PendingRecorder,
  type PendingStore,
} from '../../src/state/pending-chargers.js';
import { RedisPendingStore } from '../../src/state/redis-pending-store.js';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import { createLogger } from '../../src/util/log.js';
import { REDIS_URL } from '../helpers/gateway-harness.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { until } from '../helpers/wait.js';

const logger = createLogger('silent');
const knock = (identity: string, at: number, extra: Partial<Knock> = {}): Knock => ({
  identity,
  first: at,
  last: at,
  count: 1,
  address: '10.0.0.1',
  dialect: 'ocpp1.5-soap',
  ...extra,
});
const decision = (identity: string, kind: Decision['kind']): Decision => ({
  identity,
  kind,
  at: new Date().toISOString(),
  by: 'bearer token',
  address: '127.0.0.1',
});

/**
 * The same knocks give the same list in both stores: the embedded store merges with mergeKnock, Redis in Lua. Later
 * address and dialect win, a boot's vendor and model stay until another boot names others, counts add up.
 */
async function mergesAndBounds(store: PendingStore): Promise<void> {
  await store.record([knock('A', 1_000, { vendor: 'V1', model: 'M1' }), knock('B', 2_000)]);
  await store.record([knock('A', 3_000, { address: '10.0.0.9', count: 4, dialect: 'ocpp1.6-soap' })]);
  await store.record([knock('A', 2_500, { address: '10.0.0.5' })]);
  assert.deepEqual(await store.pending('A'), {
    identity: 'A',
    first: 1_000,
    last: 3_000,
    count: 6,
    address: '10.0.0.9',
    dialect: 'ocpp1.6-soap',
    vendor: 'V1',
    model: 'M1',
  });
  // Bound 3: C and D come; B, heard least recently, goes; the batch's own overflow is counted too.
  assert.equal(await store.record([knock('C', 4_000), knock('D', 5_000)], 2), 3);
  const { pending, dropped } = await store.list();
  assert.deepEqual(
    pending.map((p) => p.identity),
    ['D', 'C', 'A'],
  );
  assert.equal(dropped, 3);
  assert.equal(await store.size(), 3);
  // A decided identity leaves the list and is not recorded again.
  await store.decide(decision('C', 'rejected'));
  await store.record([knock('C', 6_000)]);
  assert.equal(await store.pending('C'), undefined);
  assert.equal(store.decision('C')?.kind, 'rejected');
  assert.equal(await store.forget('C', 'approved'), false, 'only a decision of that kind is forgotten');
  assert.equal(await store.forget('C', 'rejected'), true);
  await store.record([knock('C', 7_000)]);
  assert.equal((await store.pending('C'))?.count, 1, 'listed afresh once the rejection is cleared');
}

describe('pending store: embedded (SQLite on real files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-pending-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('merges, bounds and decides; everything is read back after a reopen, within a smaller bound', async () => {
    const sqlite = SqliteStore.open(dir, logger, 50);
    const store = new EmbeddedPendingStore(3, sqlite);
    await mergesAndBounds(store);
    await store.decide(decision('A', 'approved'));
    await sqlite.durable();
    sqlite.close();

    const reopened = SqliteStore.open(dir, logger, 50);
    try {
      const again = new EmbeddedPendingStore(1, reopened);
      assert.equal(again.decision('A')?.kind, 'approved');
      const { pending, dropped } = await again.list();
      assert.deepEqual(
        pending.map((p) => p.identity),
        ['C'],
        'the most recently heard is kept within the new bound',
      );
      assert.equal(dropped, 4);
    } finally {
      reopened.close();
    }
  });
});

describe('pending store: Redis', () => {
  const prefix = `gwtest-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL);
  const other = new Redis(REDIS_URL);
  after(async () => {
    await deleteKeysWithPrefix(REDIS_URL, prefix);
    redis.disconnect();
    other.disconnect();
  });

  it('merges and bounds as the embedded store does; a decision reaches another instance within 1 s', async () => {
    const a = await RedisPendingStore.open(redis, prefix, 3, logger);
    const b = await RedisPendingStore.open(other, prefix, 3, logger);
    try {
      await mergesAndBounds(a);
      const decidedAt = Date.now();
      await a.decide(decision('D', 'approved'));
      await until(() => b.decision('D')?.kind === 'approved', 'B to learn the approval', 5_000);
      assert.ok(Date.now() - decidedAt < 1_000, `B learned it after ${Date.now() - decidedAt} ms`);
      assert.equal(await b.pending('D'), undefined);
      await a.forget('D', 'approved');
      await until(() => b.decision('D') === undefined, 'B to learn the revocation', 5_000);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('pending recorder', () => {
  it('an identity knocking often costs one write a second; a burst beyond the bound is counted, not written', async () => {
    const store = new EmbeddedPendingStore(5);
    const writes: number[] = [];
    const counting: PendingStore = Object.assign(Object.create(store) as PendingStore, {
      record: (knocks: Knock[], alsoDropped?: number) => {
        writes.push(knocks.length);
        return store.record(knocks, alsoDropped);
      },
    });
    let dropped = 0;
    const recorder = new PendingRecorder(counting, 5, logger, (n) => (dropped += n));
    for (let i = 0; i < 1_000; i++) recorder.knock({ identity: 'LOUD', at: 1_000 + i, address: '10.0.0.1' });
    for (let i = 0; i < 10; i++) recorder.knock({ identity: `NEW-${i}`, at: 2_000 });
    await until(() => writes.length === 1, 'one flush', 5_000);
    await recorder.flush();
    assert.deepEqual(writes, [5], 'one batch of the bound: LOUD and four new ones');
    assert.equal((await store.pending('LOUD'))?.count, 1_000);
    assert.equal(dropped, 6, 'six new identities beyond the bound in the batch');
    await store.decide(decision('LOUD', 'rejected'));
    recorder.knock({ identity: 'LOUD', at: 3_000 });
    await recorder.flush();
    assert.deepEqual(writes, [5], 'a rejected identity is not written again');
  });
});
