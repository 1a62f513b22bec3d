import { luaCommand } from '../../util/lua-command.js';
import {
  CALLBACK_HISTORY,
  type Arrival,
  type ArrivalOptions,
  type CallbackChange,
  type ChargerContact,
  type ContactStore,
} from '../registry.js';
import type { RedisSpace } from './space.js';

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

/**
 * Contacts in Redis, with the flags every message reads:
 *   <prefix>:contact:<identity>  hash, ChargerContact fields
 *   <prefix>:callback-history:<identity>  list, the last callback URL changes as JSON, newest first
 *   <prefix>:chargers            set of known identities
 *   <prefix>:backlog:<identity>  string, set while a stored message of the charger waits for the CSMS
 *   <prefix>:refused:<identity>  string, the HTTP status with which the CSMS refuses the identity
 * `arrive` also counts the message in `<prefix>:queued:<identity>` (RedisQueuedCounts), in the same script.
 */
export class RedisContactStore implements ContactStore {
  private readonly arriveCommand: (...args: ArriveArgs) => Promise<unknown>;
  private readonly chargersKey: string;

  constructor(private readonly space: RedisSpace) {
    this.arriveCommand = luaCommand<ArriveArgs>(space.redis, 6, ARRIVE);
    this.chargersKey = `${space.prefix}:chargers`;
  }

  async arrive(identity: string, contact: ChargerContact, options?: ArrivalOptions): Promise<Arrival> {
    const space = this.space;
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
    space.coalesce();
    const reply = (await this.arriveCommand(
      space.key('contact', identity),
      this.chargersKey,
      space.key('queued', identity),
      space.key('backlog', identity),
      space.key('callback-history', identity),
      space.key('refused', identity),
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

  async contact(identity: string): Promise<ChargerContact | undefined> {
    const [h, history] = await Promise.all([
      this.space.redis.hgetall(this.space.key('contact', identity)),
      this.space.redis.lrange(this.space.key('callback-history', identity), 0, -1),
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
    return (await this.space.redis.smembers(this.chargersKey)).sort();
  }

  async setRefusedByCsms(identity: string, status: number | undefined): Promise<void> {
    const space = this.space;
    await space.setOrDelete(
      space.fence(identity),
      [space.key('refused', identity)],
      [status === undefined ? '' : String(status)],
    );
  }

  async setBacklog(identity: string, backlog: boolean): Promise<void> {
    const space = this.space;
    space.coalesce();
    await space.setOrDelete(space.fence(identity), [space.key('backlog', identity)], [backlog ? '1' : '']);
  }
}
