import type { Redis } from 'ioredis';

/**
 * State every instance mirrors from Redis (migration routes, pending-charger decisions): read whole at start and every
 * `reloadEveryMs`, and told of each change by a notice on a pub/sub channel, so that a change made on one instance is
 * in use on the others within a moment (docs/architecture.md#migration-routing). The notice carries what changed
 * (an identity); the periodic reading makes up for a notice lost while the subscriber reconnected.
 */
export async function mirrorWithNotices(
  redis: Redis,
  channel: string,
  handlers: { notice(message: string): void; reload(): Promise<void> },
  reloadEveryMs: number,
): Promise<{ close(): void }> {
  const subscriber = redis.duplicate();
  // An outage is logged by the gateway's own connections (RedisConnections); this one reconnects by itself.
  subscriber.on('error', () => undefined);
  subscriber.on('message', (_channel: string, message: string) => handlers.notice(message));
  await subscriber.subscribe(channel);
  await handlers.reload();
  const timer = setInterval(() => void handlers.reload(), reloadEveryMs).unref();
  return {
    close: () => {
      clearInterval(timer);
      subscriber.disconnect();
    },
  };
}
