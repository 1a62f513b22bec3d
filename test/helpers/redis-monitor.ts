import { Redis } from 'ioredis';
import { until } from './wait.js';

/**
 * The commands clients sent whose arguments name `prefix`, as MONITOR reports them (name, then arguments); the ones a
 * script ran are left out.
 */
export async function watchCommands(
  url: string,
  prefix: string,
): Promise<{ seen: string[][]; scriptsSoFar(client: Redis): Promise<string[][]>; stop(): void }> {
  const client = new Redis(url);
  const monitor = await client.monitor();
  const seen: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (source !== 'lua' && args.some((a) => a.startsWith(prefix))) seen.push(args);
  });
  return {
    seen,
    /** The script calls reported so far: MONITOR reports in order, so all of them once it reports a later marker. */
    scriptsSoFar: async (client) => {
      await client.get(`${prefix}:marker`);
      await until(() => seen.some((c) => c[1] === `${prefix}:marker`), 'MONITOR to report the marker');
      return seen.filter((c) => /^eval(sha)?$/i.test(c[0]!));
    },
    stop: () => {
      monitor.disconnect();
      client.disconnect();
    },
  };
}
