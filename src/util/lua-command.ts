import type { Redis } from 'ioredis';

/**
 * A Lua script as a command of this connection (ioredis `defineCommand`: sent as EVALSHA, loaded once). The returned
 * function takes the script's keys, then its arguments, in the order `Args` names them.
 */
export function luaCommand<Args extends string[]>(redis: Redis, name: string, numberOfKeys: number, lua: string): (...args: Args) => Promise<unknown> {
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, (...args: string[]) => Promise<unknown>>)[name]!;
  return (...args) => command.apply(redis, args);
}
