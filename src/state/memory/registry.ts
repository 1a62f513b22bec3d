import { storedChargerState } from '../../translate/charger-state.js';
import { SecretBox } from '../../util/secret-box.js';
import type { ChargerRegistry } from '../registry.js';
import type { StoreSpace } from '../sqlite-store.js';
import { MemoryAuthorizationCache } from './authorizations.js';
import { MemoryContactStore } from './contacts.js';
import { MemoryDeadLetters } from './dead-letters.js';
import { PersistedMap, persistNowhere, storedNothing, type Persist, type Stored } from './persist.js';
import { MemorySourcePins } from './pins.js';
import { MemoryQueuedCounts } from './queued.js';
import { MemorySecretStore } from './secrets.js';
import { MemoryStateStore } from './states.js';
import { MemorySupersedeIndex } from './supersede.js';

/**
 * The registry in process memory, for one instance. With a `persist` sink every lasting write is also handed to the
 * embedded store, and `stored` gives back what it holds at start (sqliteRegistry); without them nothing survives a
 * restart (STORE=memory). The key spaces are those of docs/architecture.md#the-embedded-store.
 */
export function memoryRegistry(
  persist: Persist = persistNowhere,
  /** Seals the AuthorizationKeys handed to `persist` (docs/architecture.md#the-embedded-store). */
  box: SecretBox = SecretBox.of(undefined),
  stored: Stored = storedNothing,
): ChargerRegistry {
  const space = <T>(name: StoreSpace, restore?: (value: T) => T) => new PersistedMap<T>(name, persist, stored, restore);
  const states = new MemoryStateStore(space('state', storedChargerState));
  const queued = new MemoryQueuedCounts();
  return {
    states,
    contacts: new MemoryContactStore(space('contact'), states, queued),
    queued,
    deadLetters: new MemoryDeadLetters(space('dead')),
    pins: new MemorySourcePins(space('pin')),
    authorizations: new MemoryAuthorizationCache(space('auth')),
    secrets: new MemorySecretStore(
      space('secret', (sealed: string) => box.open(sealed)),
      space('gateway-key'),
      box,
    ),
    supersede: new MemorySupersedeIndex(space('latest')),
    close: async () => undefined,
  };
}
