import type { SupersedeIndex } from '../registry.js';
import type { RedisSpace } from './space.js';

/** The newest message per supersede key in Redis: `<prefix>:latest-status:<identity>`, a hash, key -> job id. */
export class RedisSupersedeIndex implements SupersedeIndex {
  constructor(private readonly space: RedisSpace) {}

  async markLatest(identity: string, key: string, jobId: string): Promise<void> {
    this.space.coalesce();
    await this.space.redis.hset(this.space.key('latest-status', identity), key, jobId);
  }

  async latest(identity: string, key: string): Promise<string | undefined> {
    return (await this.space.redis.hget(this.space.key('latest-status', identity), key)) ?? undefined;
  }
}
