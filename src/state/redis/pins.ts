import type { SourcePinStore } from '../registry.js';
import type { RedisSpace } from './space.js';

/** Pinned source addresses in Redis: `<prefix>:pin:<identity>`, a string; SET NX, so the first pin wins. */
export class RedisSourcePins implements SourcePinStore {
  constructor(private readonly space: RedisSpace) {}

  async pinnedSource(identity: string): Promise<string | undefined> {
    return (await this.space.redis.get(this.space.key('pin', identity))) ?? undefined;
  }

  async pinSource(identity: string, address: string | undefined): Promise<void> {
    const key = this.space.key('pin', identity);
    if (address === undefined) await this.space.redis.del(key);
    else await this.space.redis.set(key, address, 'NX');
  }
}
