import { storedChargerState, type ChargerState } from '../translate/charger-state.js';
import type { SecretBox } from '../util/secret-box.js';
import { MemoryRegistry } from './memory-registry.js';
import type { CachedAuthorization, ChargerContact, DeadLetter } from './registry.js';
import type { SqliteStore } from './sqlite-store.js';

/**
 * The registry of the embedded durable mode (docs/architecture.md#the-embedded-store): the memory registry, read in
 * full from the store at start, with every lasting write handed to the store's next commit. One instance owns the
 * store, so memory is always current and nothing is read back.
 */
export class SqliteRegistry extends MemoryRegistry {
  constructor(store: SqliteStore, secrets?: SecretBox) {
    super(
      (space, key, value) => (value === undefined ? store.delete(space, key) : store.put(space, key, value)),
      secrets,
    );
    for (const [identity, state] of store.loadSpace<ChargerState>('state'))
      this.states.set(identity, storedChargerState(state));
    for (const [identity, contact] of store.loadSpace<ChargerContact>('contact')) this.contacts.set(identity, contact);
    for (const [identity, key] of store.loadSpace<string>('secret'))
      this.authorizationKeys.set(identity, this.secrets.open(key));
    for (const [name, key] of store.loadSpace<string>('gateway-key')) this.gatewayKeys.set(name, key);
    for (const [key, jobId] of store.loadSpace<string>('latest')) this.latestMarks.set(key, jobId);
    for (const [key, entry] of store.loadSpace<CachedAuthorization>('auth')) this.authorizations.set(key, entry);
    for (const [id, entry] of store.loadSpace<DeadLetter>('dead')) this.dead.set(id, entry);
    for (const [identity, address] of store.loadSpace<string>('pin')) this.pins.set(identity, address);
  }
}
