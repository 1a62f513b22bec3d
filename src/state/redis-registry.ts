import { randomBytes } from 'node:crypto';
import { SecretBox } from '../util/secret-box.js';
import type { Redis } from 'ioredis';
import { storedChargerState, type ChargerState } from '../translate/charger-state.js';
import { writeCoalescer } from '../util/write-coalescer.js';
import { fencedCommand, luaCommand, type Fence } from '../util/lua-command.js';
import {
  CALLBACK_HISTORY,
  StateUpdater,
  type Arrival,
  type ArrivalOptions,
  type CachedAuthorization,
  type CallbackChange,
  type ChargerContact,
  type ChargerRegistry,
  type DeadLetter,
} from './registry.js';
import { IdTable } from '../util/id-table.js';

/**
 * Registry in Redis, shared by every gateway instance (docs/architecture.md#scale-out):
 *   <prefix>:charger:<identity>  string, ChargerState as JSON
 *   <prefix>:contact:<identity>  hash, ChargerContact fields
 *   <prefix>:chargers            set of known identities
 *   <prefix>:gateway-key:<name> string, a random key of the gateway (the relay's token key), base64
 *   <prefix>:secret:<identity>   hash, authorizationKey (set by the CSMS; never shown by the status API)
 *   <prefix>:latest-status:<identity>  hash, connectorId -> id of the newest StatusNotification job
 *   <prefix>:queued:<identity>   integer, messages queued and not yet finished
 *   <prefix>:auth-cache:<identity>  hash, idTag -> CachedAuthorization as JSON (offline Authorize policy)
 *   <prefix>:backlog:<identity>  string, set while a stored message of the charger waits for the CSMS
 *   <prefix>:dead-letters        hash, message id -> DeadLetter as JSON
 *   <prefix>:callback-history:<identity>  list, the last callback URL changes as JSON, newest first
 *   <prefix>:refused:<identity>  string, the HTTP status with which the CSMS refuses the identity
 *   <prefix>:pin:<identity>      string, the source address pinned on first use
 */
/**
 * A charger message arrived, in one command instead of six.
 * KEYS: contact hash, chargers set, queued counter, backlog flag, callback history list, refusal flag.
 * ARGV: identity, MAX_CHARGERS, the callback URL or '', its source, the change's JSON (without `previous`), then the
 * contact's other field/value pairs.
 * A new identity beyond MAX_CHARGERS is not recorded ({-1}). A callback URL that differs from the stored one is stored
 * and pushed on the history (at most CALLBACK_HISTORY). Returns the queued count, the backlog flag, whether the
 * callback changed, the previous URL and the refusal status.
 */
const ARRIVE = `local isNew = redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0
if isNew and redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[2]) then return {-1} end
local previous = redis.call('HGET', KEYS[1], 'callbackUrl') or ''
local changed = 0
if ARGV[3] ~= '' and ARGV[3] ~= previous then
  redis.call('HSET', KEYS[1], 'callbackUrl', ARGV[3], 'callbackSource', ARGV[4])
  local change = cjson.decode(ARGV[5])
  if previous ~= '' then change['previous'] = previous end
  redis.call('LPUSH', KEYS[5], cjson.encode(change))
  redis.call('LTRIM', KEYS[5], 0, ${CALLBACK_HISTORY - 1})
  changed = 1
end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('SADD', KEYS[2], ARGV[1])
return {redis.call('INCR', KEYS[3]), redis.call('EXISTS', KEYS[4]), changed, previous, redis.call('GET', KEYS[6]) or ''}`;

/**
 * The writes the owner of a charger's partition makes on its behalf, each conditional on the owner's fencing token in
 * the same round trip (fencedLua; docs/architecture.md#fencing). KEYS[2] is the written key.
 */
const SET_OR_DELETE = `if ARGV[2] == '' then return redis.call('DEL', KEYS[2]) end
return redis.call('SET', KEYS[2], ARGV[2])`;
const SET_FIELD = `return redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])`;
/** A counter that never goes below 0 (a message delivered twice after a crash is uncounted twice). */
const ADD_QUEUED = `local v = redis.call('INCRBY', KEYS[2], ARGV[2])
if v < 0 then redis.call('SET', KEYS[2], 0) end
return v`;

type FencedWrite<Args extends string[]> = (
  fence: Fence | undefined,
  keys: [key: string],
  args: Args,
) => Promise<unknown>;

type ArriveArgs = [
  contactKey: string,
  chargersKey: string,
  queuedKey: string,
  backlogKey: string,
  historyKey: string,
  refusedKey: string,
  identity: string,
  maxChargers: string,
  callbackUrl: string,
  callbackSource: string,
  change: string,
  ...fields: string[],
];

export class RedisRegistry implements ChargerRegistry {
  private readonly updater = new StateUpdater(this);
  /**
   * States of the chargers this instance consumes (their partition's lease is ours). Only the consumer of a
   * charger's partition changes its state (its messages, the CSMS's commands over its WebSocket, follow-ups), so a
   * write-through copy is exact while the lease is held; it saves two reads per message (bench/README.md). States are
   * never
   * mutated (pure reducers), so the copy is shared, not cloned.
   */
  private readonly owned = new IdTable<ChargerState>();
  private readonly arriveCommand: (...args: ArriveArgs) => Promise<unknown>;
  private readonly setOrDelete: FencedWrite<[value: string]>;
  private readonly setField: FencedWrite<[field: string, value: string]>;
  private readonly addQueuedCommand: FencedWrite<[delta: string]>;
  /** The per-message writes of concurrent requests go to Redis together (see writeCoalescer). */
  private readonly coalesce: () => void;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Whether this instance consumes the charger's partition now; without it nothing is cached. */
    private readonly consumes: (identity: string) => boolean = () => false,
    private readonly secrets: SecretBox = SecretBox.of(undefined),
    /**
     * What a write on behalf of the charger's partition is conditional on while this instance owns it (or ends the
     * work of a holding it gave up); undefined for an instance that writes as any instance does (the ingress).
     */
    private readonly fence: (identity: string) => Fence | undefined = () => undefined,
  ) {
    this.arriveCommand = luaCommand<ArriveArgs>(redis, 'ocppgwArriveChecked', 6, ARRIVE);
    const unfenced = `${prefix}:unfenced`;
    this.setOrDelete = fencedCommand(redis, 'ocppgwSetOrDeleteFenced', 1, SET_OR_DELETE, unfenced);
    this.setField = fencedCommand(redis, 'ocppgwSetFieldFenced', 1, SET_FIELD, unfenced);
    this.addQueuedCommand = fencedCommand(redis, 'ocppgwAddQueuedFenced', 1, ADD_QUEUED, unfenced);
    this.coalesce = writeCoalescer(redis);
  }

  /** A partition changed hands: what was cached may have been written by another instance since. */
  forgetCached(): void {
    this.owned.clear();
  }

  private key(kind: string, identity: string): string {
    return `${this.prefix}:${kind}:${identity}`;
  }

  async load(identity: string): Promise<ChargerState | undefined> {
    const consumed = this.consumes(identity);
    if (consumed) {
      const cached = this.owned.get(identity);
      if (cached) return cached;
    } else this.owned.delete(identity);
    const json = await this.redis.get(this.key('charger', identity));
    const state = json === null ? undefined : storedChargerState(JSON.parse(json) as ChargerState);
    if (state && consumed && this.consumes(identity)) this.owned.set(identity, state);
    return state;
  }

  async save(state: ChargerState): Promise<void> {
    // Dropped from the cache while the write is under way: a failed write must not leave a copy Redis lacks.
    this.owned.delete(state.identity);
    // The identity is in the chargers set since its first message (arrive).
    this.coalesce();
    await this.setOrDelete(this.fence(state.identity), [this.key('charger', state.identity)], [JSON.stringify(state)]);
    if (this.consumes(state.identity)) this.owned.set(state.identity, state);
  }

  update(identity: string, change: (state: ChargerState) => ChargerState): Promise<ChargerState> {
    return this.updater.update(identity, change);
  }

  async gatewayKey(name: string): Promise<Buffer> {
    const key = this.key('gateway-key', name);
    await this.redis.set(key, randomBytes(32).toString('base64'), 'NX');
    return Buffer.from((await this.redis.get(key)) ?? '', 'base64');
  }

  async authorizationKey(identity: string): Promise<string | undefined> {
    const stored = await this.redis.hget(this.key('secret', identity), 'authorizationKey');
    return stored === null ? undefined : this.secrets.open(stored);
  }

  async setAuthorizationKey(identity: string, key: string): Promise<void> {
    await this.setField(
      this.fence(identity),
      [this.key('secret', identity)],
      ['authorizationKey', this.secrets.seal(key)],
    );
  }

  async markLatest(identity: string, key: string, jobId: string): Promise<void> {
    this.coalesce();
    await this.redis.hset(this.key('latest-status', identity), key, jobId);
  }

  async latest(identity: string, key: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key('latest-status', identity), key)) ?? undefined;
  }

  async queued(identity: string): Promise<number> {
    return Number((await this.redis.get(this.key('queued', identity))) ?? 0);
  }

  async addQueued(identity: string, delta: 1 | -1): Promise<void> {
    this.coalesce();
    await this.addQueuedCommand(this.fence(identity), [this.key('queued', identity)], [String(delta)]);
  }

  async cacheAuthorization(identity: string, idTag: string, entry: CachedAuthorization): Promise<void> {
    await this.setField(this.fence(identity), [this.key('auth-cache', identity)], [idTag, JSON.stringify(entry)]);
  }

  async cachedAuthorization(identity: string, idTag: string): Promise<CachedAuthorization | undefined> {
    const json = await this.redis.hget(this.key('auth-cache', identity), idTag);
    return json === null ? undefined : (JSON.parse(json) as CachedAuthorization);
  }

  async arrive(identity: string, contact: ChargerContact, options?: ArrivalOptions): Promise<Arrival> {
    const fields = ['lastSoapContact', contact.lastSoapContact, 'lastAction', contact.lastAction];
    if (contact.remoteAddress) fields.push('remoteAddress', contact.remoteAddress);
    if (contact.dialect) fields.push('dialect', contact.dialect);
    if (contact.csmsProtocol) fields.push('csmsProtocol', contact.csmsProtocol);
    const change = {
      at: contact.lastSoapContact,
      url: contact.callbackUrl,
      source: contact.callbackSource ?? 'From',
      remoteAddress: contact.remoteAddress,
    };
    this.coalesce();
    const reply = (await this.arriveCommand(
      this.key('contact', identity),
      `${this.prefix}:chargers`,
      this.key('queued', identity),
      this.key('backlog', identity),
      this.key('callback-history', identity),
      this.key('refused', identity),
      identity,
      String(options?.maxChargers ?? Number.MAX_SAFE_INTEGER),
      contact.callbackUrl ?? '',
      contact.callbackSource ?? 'From',
      JSON.stringify(change),
      ...fields,
    )) as [number, number?, number?, string?, string?];
    if (reply[0] === -1) return { queued: 0, backlog: false, overLimit: true };
    const [queued, backlog, changed, previous, refused] = reply;
    return {
      queued: Number(queued),
      backlog: backlog === 1,
      callbackChanged: changed === 1 ? { previous: previous || undefined } : undefined,
      refusedByCsms: refused ? Number(refused) : undefined,
    };
  }

  async setRefusedByCsms(identity: string, status: number | undefined): Promise<void> {
    await this.setOrDelete(
      this.fence(identity),
      [this.key('refused', identity)],
      [status === undefined ? '' : String(status)],
    );
  }

  async pinnedSource(identity: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('pin', identity))) ?? undefined;
  }

  async pinSource(identity: string, address: string | undefined): Promise<void> {
    if (address === undefined) await this.redis.del(this.key('pin', identity));
    else await this.redis.set(this.key('pin', identity), address, 'NX');
  }

  async setBacklog(identity: string, backlog: boolean): Promise<void> {
    this.coalesce();
    await this.setOrDelete(this.fence(identity), [this.key('backlog', identity)], [backlog ? '1' : '']);
  }

  async addDeadLetter(entry: DeadLetter): Promise<void> {
    await this.setField(this.fence(entry.identity), [`${this.prefix}:dead-letters`], [entry.id, JSON.stringify(entry)]);
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const all = Object.values(await this.redis.hgetall(`${this.prefix}:dead-letters`)).map(
      (json) => JSON.parse(json) as DeadLetter,
    );
    return all.sort((a, b) => a.deadAt.localeCompare(b.deadAt));
  }

  async removeDeadLetter(id: string): Promise<DeadLetter | undefined> {
    const [[, json], [, removed]] = (await this.redis
      .multi()
      .hget(`${this.prefix}:dead-letters`, id)
      .hdel(`${this.prefix}:dead-letters`, id)
      .exec()) as [[null, string | null], [null, number]];
    return removed === 1 && json ? (JSON.parse(json) as DeadLetter) : undefined;
  }

  async contact(identity: string): Promise<ChargerContact | undefined> {
    const [h, history] = await Promise.all([
      this.redis.hgetall(this.key('contact', identity)),
      this.redis.lrange(this.key('callback-history', identity), 0, -1),
    ]);
    if (!h.lastSoapContact) return undefined;
    return {
      lastSoapContact: h.lastSoapContact,
      lastAction: h.lastAction ?? '',
      remoteAddress: h.remoteAddress,
      callbackUrl: h.callbackUrl,
      callbackSource: h.callbackSource as ChargerContact['callbackSource'],
      dialect: h.dialect as ChargerContact['dialect'],
      csmsProtocol: h.csmsProtocol as ChargerContact['csmsProtocol'],
      callbackHistory: history.map((json) => JSON.parse(json) as CallbackChange),
    };
  }

  async identities(): Promise<string[]> {
    return (await this.redis.smembers(`${this.prefix}:chargers`)).sort();
  }

  async close(): Promise<void> {}
}
