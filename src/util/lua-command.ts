import type { Redis } from 'ioredis';

/**
 * A Lua script as a command of this connection (ioredis `defineCommand`: sent as EVALSHA, loaded once). The returned
 * function takes the script's keys, then its arguments, in the order `Args` names them. With `numberOfKeys` undefined
 * the script takes any number of keys, and the first argument says how many.
 */
export function luaCommand<Args extends string[]>(
  redis: Redis,
  name: string,
  numberOfKeys: number | undefined,
  lua: string,
): (...args: Args) => Promise<unknown> {
  if (!(name in redis)) redis.defineCommand(name, numberOfKeys === undefined ? { lua } : { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, (...args: string[]) => Promise<unknown>>)[name]!;
  return (...args) => command.apply(redis, args);
}

/**
 * The fencing token a partition owner holds (docs/architecture.md#fencing): its writes on the partition's behalf are
 * conditional on `key` (the partition's token in Redis) still holding `token`. `refused` is told when one was not:
 * a newer owner holds the partition, and this instance steps back.
 */
export interface Fence {
  key: string;
  token: number;
  refused(): void;
}

/** The error reply of a fenced script whose token is no longer the partition's. */
const FENCED = 'FENCED';

/** A write refused because a newer owner holds the partition (its fencing token moved on). */
export class FencedOut extends Error {
  override readonly name = 'FencedOut';
}

/**
 * A write script conditional on a fencing token, in the same round trip as the write: KEYS[1] is the partition's token
 * key and ARGV[1] the token the writer holds ('' for a writer that does not act as the partition's owner, whose write
 * is unconditional). The script's own keys follow from KEYS[2], its arguments from ARGV[2].
 */
export function fencedLua(body: string): string {
  return `if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('${FENCED} a newer owner holds this partition') end
${body}`;
}

/**
 * A fenced write script (fencedLua) as a command: called with the writer's fence (undefined: unconditional), then the
 * script's own keys and arguments. A refusal calls `fence.refused()` and rejects with FencedOut; `unfencedKey` is sent
 * as KEYS[1] when there is no fence (the script does not read it then).
 */
export function fencedCommand<Keys extends string[], Args extends string[]>(
  redis: Redis,
  name: string,
  numberOfKeys: number,
  body: string,
  unfencedKey: string,
): (fence: Fence | undefined, keys: Keys, args: Args) => Promise<unknown> {
  const command = luaCommand<string[]>(redis, name, numberOfKeys + 1, fencedLua(body));
  return async (fence, keys, args) => {
    try {
      return await command(fence?.key ?? unfencedKey, ...keys, fence ? String(fence.token) : '', ...args);
    } catch (err) {
      if (fence && isFencedReply(err)) {
        fence.refused();
        throw new FencedOut(`partition fencing token ${fence.token} is stale: a newer owner holds the partition`);
      }
      throw err;
    }
  };
}

/** Whether a Redis error is a fenced script's refusal. */
export function isFencedReply(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith(FENCED);
}
