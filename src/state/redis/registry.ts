import type { Redis } from 'ioredis';
import type { Fence } from '../../util/lua-command.js';
import { SecretBox } from '../../util/secret-box.js';
import type { ChargerRegistry } from '../registry.js';
import { RedisAuthorizationCache } from './authorizations.js';
import { RedisContactStore } from './contacts.js';
import { RedisDeadLetters } from './dead-letters.js';
import { RedisSourcePins } from './pins.js';
import { RedisQueuedCounts } from './queued.js';
import { RedisSecretStore } from './secrets.js';
import { RedisSpace } from './space.js';
import { RedisStateStore } from './states.js';
import { RedisSupersedeIndex } from './supersede.js';

/** The Redis registry, whose state store caches the states of consumed chargers (forgetCached on a handover). */
export interface RedisRegistry extends ChargerRegistry {
  readonly states: RedisStateStore;
}

/**
 * The registry in Redis, shared by every gateway instance (docs/architecture.md#scale-out); each store's comment names
 * its keys, all under `<prefix>:`.
 */
export function redisRegistry(
  redis: Redis,
  prefix: string,
  /** Whether this instance consumes the charger's partition now; without it no state is cached. */
  consumes: (identity: string) => boolean = () => false,
  box: SecretBox = SecretBox.of(undefined),
  /**
   * What a write on behalf of the charger's partition is conditional on while this instance owns it (or ends the
   * work of a holding it gave up); undefined for an instance that writes as any instance does (the ingress).
   */
  fence: (identity: string) => Fence | undefined = () => undefined,
): RedisRegistry {
  const space = new RedisSpace(redis, prefix, fence);
  return {
    states: new RedisStateStore(space, consumes),
    contacts: new RedisContactStore(space),
    queued: new RedisQueuedCounts(space),
    deadLetters: new RedisDeadLetters(space),
    pins: new RedisSourcePins(space),
    authorizations: new RedisAuthorizationCache(space),
    secrets: new RedisSecretStore(space, box),
    supersede: new RedisSupersedeIndex(space),
    close: async () => undefined,
  };
}
