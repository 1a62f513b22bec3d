import type { Redis } from 'ioredis';
import type { ChargerState } from './charger-state.js';
import type { ChargerContact, ChargerRegistry } from './registry.js';

/**
 * Registry in Redis, shared by every gateway instance (architecture: "Scale-out"):
 *   <prefix>:charger:<identity>  string, ChargerState as JSON
 *   <prefix>:contact:<identity>  hash, ChargerContact fields
 *   <prefix>:chargers            set of known identities
 */
export class RedisRegistry implements ChargerRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(kind: string, identity: string): string {
    return `${this.prefix}:${kind}:${identity}`;
  }

  async load(identity: string): Promise<ChargerState | undefined> {
    const json = await this.redis.get(this.key('charger', identity));
    return json === null ? undefined : (JSON.parse(json) as ChargerState);
  }

  async save(state: ChargerState): Promise<void> {
    await this.redis.multi().set(this.key('charger', state.identity), JSON.stringify(state)).sadd(`${this.prefix}:chargers`, state.identity).exec();
  }

  async recordContact(identity: string, contact: ChargerContact): Promise<void> {
    const fields: Record<string, string> = { lastSoapContact: contact.lastSoapContact, lastAction: contact.lastAction };
    if (contact.remoteAddress) fields.remoteAddress = contact.remoteAddress;
    if (contact.callbackUrl) {
      fields.callbackUrl = contact.callbackUrl;
      fields.callbackSource = contact.callbackSource ?? 'From';
    }
    await this.redis.multi().hset(this.key('contact', identity), fields).sadd(`${this.prefix}:chargers`, identity).exec();
  }

  async contact(identity: string): Promise<ChargerContact | undefined> {
    const h = await this.redis.hgetall(this.key('contact', identity));
    if (!h.lastSoapContact) return undefined;
    return {
      lastSoapContact: h.lastSoapContact,
      lastAction: h.lastAction ?? '',
      remoteAddress: h.remoteAddress,
      callbackUrl: h.callbackUrl,
      callbackSource: h.callbackSource as ChargerContact['callbackSource'],
    };
  }

  async identities(): Promise<string[]> {
    return (await this.redis.smembers(`${this.prefix}:chargers`)).sort();
  }

  async close(): Promise<void> {}
}
