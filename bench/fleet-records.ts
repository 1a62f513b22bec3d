/**
 * What the fleet API's records take in the store (bench/README.md, "The fleet API on and off"): a gateway with the
 * API on is driven through complete sessions, two batches of equally many that differ only in their meter samples
 * per session, and the store is measured before and after each batch: the embedded store in pages in use after a
 * checkpoint (the gateway stopped), Redis in `MEMORY USAGE` of the fleet's keys. The records' JSON is measured too.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { STORE_FILE } from '../src/state/sqlite-store.js';
import { deleteKeysWithPrefix } from '../test/helpers/redis-keys.js';
import { bootRequest, sessionRequests } from './envelopes.js';
import { apiOn } from './fleet-api.js';
import { type RecordBytes, recordCost } from './fleet-figures.js';
import { postSoap } from './load.js';
import { type Gateway, startGateway } from './processes.js';
import { log, quick, REDIS_URL, sleep } from './settings.js';

/** Chargers at once, sessions per charger in each batch, and the samples per session of the two batches. */
const PLAN = quick ? { chargers: 8, sessions: 25, few: 2, many: 12 } : { chargers: 16, sessions: 64, few: 4, many: 36 };

interface Sizes {
  /** The store's own measure. */
  bytes: number;
  /** The fleet records' keys and values. */
  payload: number;
  /** Closed sessions recorded. */
  sessions: number;
}

/** Posts one charger's messages in order; throws on any answer but 200 (the sizes would then mean nothing). */
async function sendAll(agent: Agent, gw: Gateway, envelopes: string[]): Promise<void> {
  for (const envelope of envelopes) {
    const status = await postSoap(agent, gw.url, envelope);
    if (status !== 200) throw new Error(`fleet records: HTTP ${status} from the gateway`);
  }
}

/** Every charger boots, then runs `count` sessions of `samples` samples each, sessions numbered from `first`. */
async function drive(agent: Agent, gw: Gateway, first: number, count: number, samples: number): Promise<void> {
  await Promise.all(
    Array.from({ length: PLAN.chargers }, async (_, c) => {
      const identity = `rec-${c}`;
      const messages = [bootRequest(identity, 0)];
      for (let s = first; s < first + count; s++) messages.push(...sessionRequests(identity, s, samples));
      await sendAll(agent, gw, messages);
    }),
  );
}

/** The embedded store's file, the gateway stopped (its close checkpoints the write-ahead log into the file). */
function sqliteSizes(file: string): Sizes {
  const db = new Database(file, { fileMustExist: true });
  try {
    const pragma = (name: string) => db.pragma(name, { simple: true }) as number;
    const row = db
      .prepare(
        `SELECT COALESCE(SUM(LENGTH(CAST(key AS BLOB)) + LENGTH(CAST(value AS BLOB))), 0) AS payload,
           SUM(space = 'fleet-session') AS sessions FROM kv WHERE space LIKE 'fleet-%'`,
      )
      .get() as { payload: number; sessions: number | null };
    return {
      bytes: (pragma('page_count') - pragma('freelist_count')) * pragma('page_size'),
      payload: row.payload,
      sessions: row.sessions ?? 0,
    };
  } finally {
    db.close();
  }
}

/** The fleet's Redis keys (one hash per record kind): MEMORY USAGE, exact (SAMPLES 0), and their fields and values. */
async function redisSizes(redis: Redis, prefix: string): Promise<Sizes> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:fleet:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  let bytes = 0;
  let payload = 0;
  for (const key of keys) {
    bytes += Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    for (const [field, value] of Object.entries(await redis.hgetall(key)))
      payload += Buffer.byteLength(field) + Buffer.byteLength(value);
  }
  return { bytes, payload, sessions: await redis.hlen(`${prefix}:fleet:session`) };
}

/** The three measures of one store, as bytes per session and per sample. */
function figures(store: string, sizes: Sizes[]): RecordBytes {
  const [before, afterFew, afterMany] = sizes as [Sizes, Sizes, Sizes];
  const n = PLAN.chargers * PLAN.sessions;
  const of = (pick: (s: Sizes) => number) => ({
    before: pick(before),
    afterFew: pick(afterFew),
    afterMany: pick(afterMany),
  });
  const result = {
    store,
    sessions: n,
    few: PLAN.few,
    many: PLAN.many,
    sizes: of((s) => s.bytes),
    cost: recordCost(
      of((s) => s.bytes),
      n,
      PLAN.few,
      PLAN.many,
    ),
    payload: of((s) => s.payload),
    payloadCost: recordCost(
      of((s) => s.payload),
      n,
      PLAN.few,
      PLAN.many,
    ),
  };
  log(
    `fleet records, ${store}: ${result.cost.perSession.toFixed(0)} B per session of ${PLAN.many} samples, ${result.cost.perSample.toFixed(0)} B per sample ` +
      `(sessions recorded ${sizes.map((s) => s.sessions).join(' / ')}; bytes ${sizes.map((s) => s.bytes).join(' / ')})`,
  );
  return result;
}

/** Checks that every session of the batches was recorded: otherwise the bytes per session would be wrong. */
function recorded(sizes: Sizes, expected: number): Sizes {
  if (sizes.sessions !== expected)
    throw new Error(`fleet records: ${sizes.sessions} sessions recorded, ${expected} expected`);
  return sizes;
}

/**
 * The durable embedded store: a DATA_DIR of the measure's own, kept across three gateway runs (a warm-up session per
 * charger, then the two batches); the store is measured after each run, when the gateway has stopped.
 */
async function embedded(agent: Agent, csmsPort: number): Promise<RecordBytes> {
  const dir = mkdtempSync(join(tmpdir(), 'ocppgw-bench-records-'));
  try {
    const run = async (first: number, count: number, samples: number) => {
      const gw = await startGateway(csmsPort, { ...apiOn(), DATA_DIR: dir });
      try {
        await drive(agent, gw, first, count, samples);
      } finally {
        await gw.stop();
      }
      return sqliteSizes(join(dir, STORE_FILE));
    };
    const { chargers, sessions, few, many } = PLAN;
    const sizes = [
      recorded(await run(0, 1, few), chargers),
      recorded(await run(1, sessions, few), chargers * (1 + sessions)),
      recorded(await run(1 + sessions, sessions, many), chargers * (1 + 2 * sessions)),
    ];
    return figures('embedded (durable)', sizes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Redis: one gateway; its writes are not awaited by the charger's answer, so each measure waits for them to land. */
async function redisStore(agent: Agent, csmsPort: number): Promise<RecordBytes> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const gw = await startGateway(csmsPort, { REDIS_URL, REDIS_PREFIX: prefix, ...apiOn() });
  try {
    const settled = async (expected: number) => {
      for (let i = 0; i < 200; i++) {
        const sizes = await redisSizes(redis, prefix);
        if (sizes.sessions === expected && (await redis.hlen(`${prefix}:fleet:open`)) === 0) return sizes;
        await sleep(50);
      }
      return recorded(await redisSizes(redis, prefix), expected);
    };
    const { chargers, sessions, few, many } = PLAN;
    await drive(agent, gw, 0, 1, few);
    const before = await settled(chargers);
    await drive(agent, gw, 1, sessions, few);
    const afterFew = await settled(chargers * (1 + sessions));
    await drive(agent, gw, 1 + sessions, sessions, many);
    const afterMany = await settled(chargers * (1 + 2 * sessions));
    return figures('Redis', [before, afterFew, afterMany]);
  } finally {
    await gw.stop();
    redis.disconnect();
    await deleteKeysWithPrefix(REDIS_URL, prefix);
  }
}

/** Bytes per session and per sample, in the durable embedded store and in Redis. */
export async function measureRecords(agent: Agent, csmsPort: number): Promise<RecordBytes[]> {
  return [await embedded(agent, csmsPort), await redisStore(agent, csmsPort)];
}
