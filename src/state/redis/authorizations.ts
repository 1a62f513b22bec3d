import type { AuthorizationCache, CachedAuthorization } from '../registry.js';
import type { RedisSpace } from './space.js';

/** Cached Authorize answers in Redis: `<prefix>:auth-cache:<identity>`, a hash, idTag -> CachedAuthorization as JSON. */
export class RedisAuthorizationCache implements AuthorizationCache {
  constructor(private readonly space: RedisSpace) {}

  async put(identity: string, idTag: string, entry: CachedAuthorization): Promise<void> {
    const space = this.space;
    await space.setField(space.fence(identity), [space.key('auth-cache', identity)], [idTag, JSON.stringify(entry)]);
  }

  async get(identity: string, idTag: string): Promise<CachedAuthorization | undefined> {
    const json = await this.space.redis.hget(this.space.key('auth-cache', identity), idTag);
    return json === null ? undefined : (JSON.parse(json) as CachedAuthorization);
  }
}
