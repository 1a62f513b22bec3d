import type { SecretBox } from '../util/secret-box.js';
import { memoryRegistry } from './memory/registry.js';
import type { ChargerRegistry } from './registry.js';
import type { SqliteStore } from './sqlite-store.js';

/**
 * The registry of the embedded durable mode (docs/architecture.md#the-embedded-store): the memory registry, read in
 * full from the store at start, with every lasting write handed to the store's next commit. One instance owns the
 * store, so memory is always current and nothing is read back.
 */
export function sqliteRegistry(store: SqliteStore, secrets?: SecretBox): ChargerRegistry {
  return memoryRegistry(
    (space, key, value) => (value === undefined ? store.delete(space, key) : store.put(space, key, value)),
    secrets,
    (space) => store.loadSpace(space),
  );
}
