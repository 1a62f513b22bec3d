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
