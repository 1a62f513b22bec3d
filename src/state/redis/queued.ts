import { fencedCommand } from '../../util/lua-command.js';
import type { QueuedCountStore } from '../registry.js';
import type { FencedWrite, RedisSpace } from './space.js';

/** A counter that never goes below 0 (a message delivered twice after a crash is uncounted twice). */
const ADD_QUEUED = `local v = redis.call('INCRBY', KEYS[2], ARGV[2])
if v < 0 then redis.call('SET', KEYS[2], 0) end
return v`;

/** Queued counts in Redis: `<prefix>:queued:<identity>`, an integer; the contacts' arrive script counts one in. */
export class RedisQueuedCounts implements QueuedCountStore {
  private readonly addCommand: FencedWrite<[delta: string]>;

  constructor(private readonly space: RedisSpace) {
    this.addCommand = fencedCommand(space.redis, 'ocppgwAddQueuedFenced', 1, ADD_QUEUED, space.unfenced);
  }

  async count(identity: string): Promise<number> {
    return Number((await this.space.redis.get(this.space.key('queued', identity))) ?? 0);
  }

  async add(identity: string, delta: 1 | -1): Promise<void> {
    const space = this.space;
    space.coalesce();
    await this.addCommand(space.fence(identity), [space.key('queued', identity)], [String(delta)]);
  }
}
