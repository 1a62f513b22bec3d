import type { Redis } from 'ioredis';
import type { SqliteStore } from '../state/sqlite-store.js';
import type { Logger } from '../util/log.js';

/** The kinds of fleet records kept durably (docs/fleet-api.md#records-and-retention). */
export type RecordKind = 'session' | 'open' | 'alarm' | 'shed' | 'reservation';

/** Where the fleet records survive a restart: the embedded store, or Redis (shared by every instance). */
export interface RecordsPersistence {
  /** Writes (or, with undefined, deletes) one record; never waits, failures are logged. */
  put(kind: RecordKind, key: string, value: object | undefined): void;
  /** Every record of a kind. */
  load(kind: RecordKind): Promise<[string, unknown][]>;
  /** One record (Redis: a session another instance opened). */
  get(kind: RecordKind, key: string): Promise<unknown | undefined>;
  /** Redis: other instances record too, so closed sessions and alarms are read again before an API call. */
  readonly shared: boolean;
}

const SPACES = {
  session: 'fleet-session',
  open: 'fleet-open',
  alarm: 'fleet-alarm',
  shed: 'fleet-shed',
  reservation: 'fleet-reservation',
} as const;

/** The embedded store's key-value table, written behind in its group commits like the registry. */
export function sqlitePersistence(store: SqliteStore): RecordsPersistence {
  return {
    shared: false,
    put: (kind, key, value) =>
      value === undefined ? store.delete(SPACES[kind], key) : store.put(SPACES[kind], key, value),
    load: (kind) => Promise.resolve(store.loadSpace(SPACES[kind])),
    // Read once at start into memory, and no other instance writes here: a full scan is enough for a rare look-up.
    get: (kind, key) => Promise.resolve(store.loadSpace(SPACES[kind]).find(([k]) => k === key)?.[1]),
  };
}

/** One Redis hash per kind under the gateway's prefix. */
export function redisPersistence(redis: Redis, prefix: string, logger: Logger): RecordsPersistence {
  const key = (kind: RecordKind) => `${prefix}:fleet:${kind}`;
  const failed = (err: Error) => logger.warn({ err: err.message }, 'fleet API: a record could not be written to Redis');
  return {
    shared: true,
    put: (kind, field, value) =>
      void (
        value === undefined ? redis.hdel(key(kind), field) : redis.hset(key(kind), field, JSON.stringify(value))
      ).catch(failed),
    load: async (kind) =>
      Object.entries(await redis.hgetall(key(kind))).map(([k, v]): [string, unknown] => [k, JSON.parse(v)]),
    get: async (kind, field) => {
      const text = await redis.hget(key(kind), field);
      return text === null ? undefined : JSON.parse(text);
    },
  };
}
