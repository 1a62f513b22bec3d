import type { ChargerState } from '../translate/charger-state.js';
import { StateUpdater, type CachedAuthorization, type ChargerContact, type ChargerRegistry } from './registry.js';

/**
 * Registry in process memory: one instance, lost on restart (no REDIS_URL). States are stored as given, without a
 * copy: every change goes through pure reducers that return new objects, so a stored state is never mutated.
 */
export class MemoryRegistry implements ChargerRegistry {
  private readonly states = new Map<string, ChargerState>();
  private readonly contacts = new Map<string, ChargerContact>();
  private readonly authorizationKeys = new Map<string, string>();
  private readonly updater = new StateUpdater(this);

  update(identity: string, change: (state: ChargerState) => ChargerState): Promise<ChargerState> {
    return this.updater.update(identity, change);
  }

  async authorizationKey(identity: string): Promise<string | undefined> {
    return this.authorizationKeys.get(identity);
  }

  async setAuthorizationKey(identity: string, key: string): Promise<void> {
    this.authorizationKeys.set(identity, key);
  }

  async load(identity: string): Promise<ChargerState | undefined> {
    return this.states.get(identity);
  }

  async save(state: ChargerState): Promise<void> {
    this.states.set(state.identity, state);
  }

  private readonly latestStatuses = new Map<string, string>();

  async markLatest(identity: string, key: string, jobId: string): Promise<void> {
    this.latestStatuses.set(`${identity}\n${key}`, jobId);
  }

  async latest(identity: string, key: string): Promise<string | undefined> {
    return this.latestStatuses.get(`${identity}\n${key}`);
  }

  private readonly queuedCounts = new Map<string, number>();
  private readonly authorizations = new Map<string, CachedAuthorization>();

  async queued(identity: string): Promise<number> {
    return this.queuedCounts.get(identity) ?? 0;
  }

  async addQueued(identity: string, delta: 1 | -1): Promise<void> {
    this.queuedCounts.set(identity, Math.max(0, (this.queuedCounts.get(identity) ?? 0) + delta));
  }

  async cacheAuthorization(identity: string, idTag: string, entry: CachedAuthorization): Promise<void> {
    this.authorizations.set(`${identity}\n${idTag}`, entry);
  }

  async cachedAuthorization(identity: string, idTag: string): Promise<CachedAuthorization | undefined> {
    return this.authorizations.get(`${identity}\n${idTag}`);
  }

  async arrive(identity: string, contact: ChargerContact): Promise<number> {
    const previous = this.contacts.get(identity);
    this.contacts.set(identity, {
      ...contact,
      callbackUrl: contact.callbackUrl ?? previous?.callbackUrl,
      callbackSource: contact.callbackUrl ? contact.callbackSource : previous?.callbackSource,
    });
    const queued = (this.queuedCounts.get(identity) ?? 0) + 1;
    this.queuedCounts.set(identity, queued);
    return queued;
  }

  async contact(identity: string): Promise<ChargerContact | undefined> {
    const c = this.contacts.get(identity);
    return c && { ...c };
  }

  async identities(): Promise<string[]> {
    return [...new Set([...this.states.keys(), ...this.contacts.keys()])].sort();
  }

  async close(): Promise<void> {}
}
