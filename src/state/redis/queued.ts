import { fencedCommand } from '../../util/lua-command.js';
import type { QueuedCountStore } from '../registry.js';
import type { FencedWrite, RedisSpace } from './space.js';

/**
 * Lua that adds `delta` to the count at `key`, never leaving it below 0 (a message delivered twice after a crash is
 * uncounted twice); evaluates to the count as added. Also run by the script that removes a delivered message's
 * in-flight record (docs/architecture.md#direct-delivery).
 */
export const addQueuedLua = (key: string, delta: string) => `local v = redis.call('INCRBY', ${key}, ${delta})
if v < 0 then redis.call('SET', ${key}, 0) end`;

const ADD_QUEUED = `${addQueuedLua('KEYS[2]', 'ARGV[2]')}
return v`;

/** Queued counts in Redis: `<prefix>:queued:<identity>`, an integer; the contacts' arrive script counts one in. */
export class RedisQueuedCounts implements QueuedCountStore {
  private readonly addCommand: FencedWrite<[delta: string]>;

  constructor(private readonly space: RedisSpace) {
    this.addCommand = fencedCommand(space.redis, 1, ADD_QUEUED, space.unfenced);
  }

  async count(identity: string): Promise<number> {
    return Number((await this.space.redis.get(this.key(identity))) ?? 0);
  }

  async add(identity: string, delta: 1 | -1): Promise<void> {
    const space = this.space;
    space.coalesce();
    await this.addCommand(space.fence(identity), [this.key(identity)], [String(delta)]);
  }

  key(identity: string): string {
    return this.space.key('queued', identity);
  }
}
