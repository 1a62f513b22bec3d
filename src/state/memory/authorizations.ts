import type { AuthorizationCache, CachedAuthorization } from '../registry.js';
import type { PersistedMap } from './persist.js';

/** Cached Authorize answers in process memory, keyed by identity and idTag. */
export class MemoryAuthorizationCache implements AuthorizationCache {
  constructor(private readonly entries: PersistedMap<CachedAuthorization>) {}

  async put(identity: string, idTag: string, entry: CachedAuthorization): Promise<void> {
    this.entries.set(`${identity}\n${idTag}`, entry);
  }

  async get(identity: string, idTag: string): Promise<CachedAuthorization | undefined> {
    return this.entries.get(`${identity}\n${idTag}`);
  }
}
