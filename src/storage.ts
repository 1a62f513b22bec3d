import type { GatewayConfig } from './config/config.js';
import { redisConfigured } from './config/redis.js';
import { EmbeddedQueue } from './queue/embedded-queue.js';
import type { UpstreamJob } from './queue/upstream-queue.js';
import { memoryRegistry } from './state/memory/registry.js';
import { sqliteRegistry } from './state/sqlite-registry.js';
import { SqliteStore } from './state/sqlite-store.js';
import type { Logger } from './util/log.js';
import { restoreFastStringPrototype } from './util/string-prototype.js';
import { SecretBox } from './util/secret-box.js';
import type { Storage, StorageHooks } from './storage-types.js';

export type { Storage, StorageHooks } from './storage-types.js';

/**
 * Opens the storage the configuration names (docs/architecture.md#scale-out): Redis and BullMQ with `REDIS_URL` or
 * `REDIS_SENTINELS`, else
 * the embedded store or memory; the Redis parts are loaded only when Redis is used.
 */
export async function openStorage(config: GatewayConfig, logger: Logger, hooks: StorageHooks): Promise<Storage> {
  if (redisConfigured(config)) {
    const { openRedisStorage } = await import('./storage-redis.js');
    // ioredis subclasses String as it loads, which slows every string method V8 optimises next (the XML parse among
    // them) until String.prototype is made fast again (docs/architecture.md, "Design choices").
    restoreFastStringPrototype();
    return openRedisStorage(config, logger, hooks);
  }
  const onFailure = (job: UpstreamJob, err: unknown, attempts: number) => hooks.onFailure(job, err, attempts);
  if (config.store === 'sqlite') {
    // Throws StoreError, naming the path and what to do, when DATA_DIR cannot be used (docs/architecture.md#the-embedded-store).
    const store = SqliteStore.open(config.dataDir, logger);
    return {
      kind: 'sqlite',
      store,
      registry: sqliteRegistry(store, SecretBox.of(config.storeSecretKey)),
      queue: new EmbeddedQueue({ log: store, logger, onFailure }),
      owns: () => true,
      mayDeliver: () => true,
      forgetCachedStates: () => undefined,
      close: () => store.close(),
    };
  }
  return {
    kind: 'memory',
    registry: memoryRegistry(),
    queue: new EmbeddedQueue({ logger, onFailure }),
    owns: () => true,
    mayDeliver: () => true,
    forgetCachedStates: () => undefined,
    close: () => undefined,
  };
}
