import type { Redis } from 'ioredis';
import type { SqliteStore } from '../state/sqlite-store.js';
import type { Logger } from '../util/log.js';
import { luaCommand } from '../util/lua-command.js';

/** The kinds of fleet records kept durably (docs/fleet-api.md#records-and-retention). */
export type RecordKind = 'session' | 'open' | 'alarm' | 'shed' | 'reservation';

/** Where the fleet records survive a restart: the embedded store, or Redis (shared by every instance). */
export interface RecordsPersistence {
  /**
   * Writes (or, with undefined, deletes) one record; never waits, failures are logged. Both stores write behind and
   * serialise the value when they send it, so a change made to it meanwhile is written too.
   */
  put(kind: RecordKind, key: string, value: object | undefined): void;
  /** Every record of a kind. */
  load(kind: RecordKind): Promise<[string, unknown][]>;
  /** One record (Redis: a session another instance opened). */
  get(kind: RecordKind, key: string): Promise<unknown | undefined>;
  /** Redis: other instances record too, so closed sessions and alarms are read again before an API call. */
  readonly shared: boolean;
  /** Sends the writes not yet sent (Redis writes behind): at shutdown. */
  flush(): void;
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
    flush: () => undefined,
    put: (kind, key, value) =>
      value === undefined ? store.delete(SPACES[kind], key) : store.put(SPACES[kind], key, value),
    load: (kind) => Promise.resolve(store.loadSpace(SPACES[kind])),
    // Read once at start into memory, and no other instance writes here: a full scan is enough for a rare look-up.
    get: (kind, key) => Promise.resolve(store.loadSpace(SPACES[kind]).find(([k]) => k === key)?.[1]),
  };
}

/** Writes carried by one script call at most: a burst (the records written back at start) goes out in parts. */
const MAX_WRITES_PER_CALL = 256;

/**
 * The writes of a batch, in order: KEYS[i] is a kind's hash, ARGV[2i-1] the field and ARGV[2i] the record's JSON, or
 * '' to delete it (a record's JSON is never empty).
 */
const PUT_RECORDS_LUA = `for i = 1, #KEYS do
  local field, value = ARGV[2 * i - 1], ARGV[2 * i]
  if value == '' then redis.call('HDEL', KEYS[i], field) else redis.call('HSET', KEYS[i], field, value) end
end
return #KEYS`;

/** How long a record waits before it is sent: the embedded store's write-behind. */
const WRITE_BEHIND_MS = 200;

/**
 * One Redis hash per kind under the gateway's prefix, written behind as the embedded store writes its own
 * (docs/fleet-api.md#records-and-retention): a record waits up to WRITE_BEHIND_MS, only the last value of each field
 * is kept meanwhile, and it is serialised when it is sent, in one script call with the others. A session's open record
 * deleted before it was sent costs no JSON and no argument: what the API cost a Redis message was mostly the records'
 * JSON and ioredis's work on their arguments (bench/README.md, "Thirty-third round"). A read sends what waits first,
 * so it sees it.
 */
export function redisPersistence(redis: Redis, prefix: string, logger: Logger): RecordsPersistence {
  const key = (kind: RecordKind) => `${prefix}:fleet:${kind}`;
  const putRecords = luaCommand<string[]>(redis, undefined, PUT_RECORDS_LUA);
  /** The records waiting, by kind and field: the hash, the field, and the value (undefined: delete it). */
  const waiting = new Map<string, [string, string, object | undefined]>();
  let timer: NodeJS.Timeout | undefined;
  const send = (writes: [string, string, object | undefined][]) => {
    const args = [String(writes.length), ...writes.map((w) => w[0])];
    for (const [, field, value] of writes) args.push(field, value === undefined ? '' : JSON.stringify(value));
    putRecords(...args).catch((err: Error) =>
      logger.warn({ err: err.message, records: writes.length }, 'fleet API: records could not be written to Redis'),
    );
  };
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const writes = [...waiting.values()];
    waiting.clear();
    for (let i = 0; i < writes.length; i += MAX_WRITES_PER_CALL) send(writes.slice(i, i + MAX_WRITES_PER_CALL));
  };
  return {
    shared: true,
    flush,
    put: (kind, field, value) => {
      waiting.set(`${kind}:${field}`, [key(kind), field, value]);
      timer ??= setTimeout(flush, WRITE_BEHIND_MS).unref();
    },
    load: async (kind) => {
      flush();
      return Object.entries(await redis.hgetall(key(kind))).map(([k, v]): [string, unknown] => [k, JSON.parse(v)]);
    },
    get: async (kind, field) => {
      flush();
      const text = await redis.hget(key(kind), field);
      return text === null ? undefined : JSON.parse(text);
    },
  };
}
