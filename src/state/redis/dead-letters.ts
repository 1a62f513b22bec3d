import type { DeadLetter, DeadLetterStore } from '../registry.js';
import type { RedisSpace } from './space.js';
import { compareText } from '../../util/order.js';

/** Dead letters in Redis: `<prefix>:dead-letters`, a hash, message id -> DeadLetter as JSON. */
export class RedisDeadLetters implements DeadLetterStore {
  private readonly key: string;

  constructor(private readonly space: RedisSpace) {
    this.key = `${space.prefix}:dead-letters`;
  }

  async add(entry: DeadLetter): Promise<void> {
    await this.space.setField(this.space.fence(entry.identity), [this.key], [entry.id, JSON.stringify(entry)]);
  }

  async list(): Promise<DeadLetter[]> {
    const all = Object.values(await this.space.redis.hgetall(this.key)).map((json) => JSON.parse(json) as DeadLetter);
    return all.sort((a, b) => compareText(a.deadAt, b.deadAt));
  }

  async remove(id: string): Promise<DeadLetter | undefined> {
    const [[, json], [, removed]] = (await this.space.redis.multi().hget(this.key, id).hdel(this.key, id).exec()) as [
      [null, string | null],
      [null, number],
    ];
    return removed === 1 && json ? (JSON.parse(json) as DeadLetter) : undefined;
  }
}
