import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { redisPersistence } from '../../src/fleet-api/persistence.js';
import { createLogger } from '../../src/util/log.js';
import { REDIS_URL } from '../helpers/gateway-harness.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { watchCommands } from '../helpers/redis-monitor.js';
import { until } from '../helpers/wait.js';

describe('fleet records in Redis: written behind, many in one script call (real Redis)', () => {
  const prefix = `fleetrec-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL);
  const warnings: string[] = [];
  const logger = createLogger('silent');
  logger.warn = ((obj: unknown, msg?: string) => {
    warnings.push(`${msg} ${JSON.stringify(obj)}`);
  }) as typeof logger.warn;
  before(() => redis.ping());
  after(async () => {
    redis.disconnect();
    await deleteKeysWithPrefix(REDIS_URL, prefix);
  });

  type Watch = Awaited<ReturnType<typeof watchCommands>>;
  type Store = ReturnType<typeof redisPersistence>;
  /** A store under `${prefix}:<name>` with MONITOR watching its keys from before the first write. */
  const watched = async (name: string, body: (store: Store, watch: Watch) => Promise<void>) => {
    const store = redisPersistence(redis, `${prefix}:${name}`, logger);
    const watch = await watchCommands(REDIS_URL, `${prefix}:${name}`);
    try {
      await redis.ping(); // MONITOR is on before the writes.
      await body(store, watch);
    } finally {
      watch.stop();
    }
  };

  it('sends the records of one turn in one call, in order, and a read after them sees them', () =>
    watched('a', async (store, watch) => {
      for (let i = 0; i < 10; i++)
        store.put('session', `s${i}`, { sessionId: i, samples: [{ at: i, energyWh: i * 10 }] });
      store.put('open', 'CP-1\n7', { sessionId: 7 });
      store.put('open', 'CP-1\n7', undefined);
      store.put('alarm', 'CP-1\n1\n0', { type: 'Faulted' });
      // A read in the same turn sends the gathered writes first.
      assert.deepEqual(await store.get('session', 's3'), { sessionId: 3, samples: [{ at: 3, energyWh: 30 }] });
      assert.equal(await store.get('open', 'CP-1\n7'), undefined, 'the delete after the write is applied after it');
      const sessions = await store.load('session');
      assert.deepEqual(sessions.map(([k]) => k).sort(), Array.from({ length: 10 }, (_, i) => `s${i}`).sort());
      await until(() => watch.seen.some((c) => c[0]!.toLowerCase() === 'hgetall'), 'MONITOR to report the reads');
      const writes = watch.seen.filter((c) => !['hget', 'hgetall'].includes(c[0]!.toLowerCase()));
      assert.equal(writes.length, 1, `one call for 13 writes: ${writes.map((c) => c[0]).join(', ')}`);
      assert.match(writes[0]![0]!.toLowerCase(), /^evalsha$|^eval$/);
      assert.deepEqual(await redis.hgetall(`${prefix}:a:fleet:alarm`), { 'CP-1\n1\n0': '{"type":"Faulted"}' });
    }));

  it('records written apart wait to share one call, each field with its last value, and flush sends at once', () =>
    watched('b', async (store, watch) => {
      store.put('session', 'first', { n: 1 });
      await new Promise((r) => setTimeout(r, 30)); // later, well within the 200 ms a record waits
      store.put('session', 'first', { n: 2 });
      store.put('reservation', '42', { reservationId: 42 });
      await until(async () => (await redis.hget(`${prefix}:b:fleet:reservation`, '42')) !== null, 'the records');
      assert.equal(await redis.hget(`${prefix}:b:fleet:session`, 'first'), '{"n":2}', 'the later write wins');
      const scripts = await watch.scriptsSoFar(redis);
      assert.deepEqual(
        scripts.map((c) => Number(c[2])),
        [2],
        'three writes of two turns in one call, of two fields',
      );
      store.put('session', 'second', { n: 3 });
      store.flush();
      // The same connection answers in order: the flushed call ran before this read.
      assert.equal(await redis.hget(`${prefix}:b:fleet:session`, 'second'), '{"n":3}');
    }));

  it('a record deleted before it was sent is never written, and one changed meanwhile is sent as it is then', () =>
    watched('e', async (store, watch) => {
      const open = { sessionId: 1, samples: [] as number[] };
      store.put('open', 'CP-1:1', open);
      open.samples.push(5);
      store.put('open', 'CP-1:1', undefined);
      const closed = { sessionId: 1, samples: [] as number[] };
      store.put('session', '1', closed);
      closed.samples.push(7);
      store.flush();
      assert.deepEqual(JSON.parse((await redis.hget(`${prefix}:e:fleet:session`, '1'))!), {
        sessionId: 1,
        samples: [7],
      });
      const call = (await watch.scriptsSoFar(redis))[0]!;
      assert.equal(call.join(' ').includes('"samples":[5]'), false, 'the open record was never serialised');
      const field = call.indexOf('CP-1:1');
      assert.ok(field > 0, 'its delete is sent');
      assert.equal(call[field + 1], '', 'as an empty value');
    }));

  it('splits a burst into calls of at most 256 writes, and keeps every record', () =>
    watched('c', async (store, watch) => {
      for (let i = 0; i < 600; i++) store.put('session', `s${i}`, { i });
      await until(async () => (await redis.hlen(`${prefix}:c:fleet:session`)) === 600, 'all 600 records');
      const scripts = () => watch.seen.filter((c) => /^eval(sha)?$/i.test(c[0]!));
      await until(() => scripts().length >= 3, 'MONITOR to report three calls');
      assert.deepEqual(
        scripts().map((c) => Number(c[2])),
        [256, 256, 88],
        'EVALSHA <sha> <number of keys> (EVAL the first time): three calls',
      );
    }));

  it('logs a batch that Redis refused once, with its number of records, and later batches still go through', async () => {
    const store = redisPersistence(redis, `${prefix}:d`, logger);
    await redis.set(`${prefix}:d:fleet:alarm`, 'not a hash');
    warnings.length = 0;
    store.put('alarm', 'x', { type: 'Faulted' });
    store.put('alarm', 'y', { type: 'Faulted' });
    await until(() => warnings.length > 0, 'the warning');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /records could not be written to Redis.*"records":2/);
    await redis.del(`${prefix}:d:fleet:alarm`);
    store.put('alarm', 'z', { type: 'Faulted' });
    await until(async () => (await redis.hget(`${prefix}:d:fleet:alarm`, 'z')) !== null, 'the next batch');
    assert.equal(warnings.length, 1);
  });
});
