import { randomBytes } from 'node:crypto';
import { SecretBox } from '../util/secret-box.js';
import type { ChargerState } from '../translate/charger-state.js';
import type { StoreSpace } from './sqlite-store.js';
import {
  CALLBACK_HISTORY,
  StateUpdater,
  type Arrival,
  type ArrivalOptions,
  type CachedAuthorization,
  type CallbackChange,
  type ChargerContact,
  type ChargerRegistry,
  type DeadLetter,
} from './registry.js';

/** Where a registry's lasting writes go: nowhere (memory only), or the embedded store (SqliteRegistry). */
export type Persist = (space: StoreSpace, key: string, value: unknown) => void;

/**
 * Registry in process memory, for one instance. States are stored as given, without a copy: every change goes through
 * pure reducers that return new objects, so a stored state is never mutated. With a `persist` sink every lasting write
 * is also handed to the embedded store (SqliteRegistry); without one nothing survives a restart (STORE=memory).
 */
export class MemoryRegistry implements ChargerRegistry {
  protected readonly states = new Map<string, ChargerState>();
  protected readonly contacts = new Map<string, ChargerContact>();
  protected readonly authorizationKeys = new Map<string, string>();
  protected readonly gatewayKeys = new Map<string, string>();
  protected readonly latestMarks = new Map<string, string>();
  protected readonly authorizations = new Map<string, CachedAuthorization>();
  protected readonly dead = new Map<string, DeadLetter>();
  private readonly queuedCounts = new Map<string, number>();
  private readonly backlogs = new Set<string>();
  private readonly refused = new Map<string, number>();
  protected readonly pins = new Map<string, string>();
  private readonly updater = new StateUpdater(this);

  constructor(
    private readonly persist: Persist = () => undefined,
    /** Seals the AuthorizationKeys handed to `persist` (docs/architecture.md#the-embedded-store). */
    protected readonly secrets: SecretBox = SecretBox.of(undefined),
  ) {}

  update(identity: string, change: (state: ChargerState) => ChargerState): Promise<ChargerState> {
    return this.updater.update(identity, change);
  }

  async gatewayKey(name: string): Promise<Buffer> {
    let key = this.gatewayKeys.get(name);
    if (!key) {
      key = randomBytes(32).toString('base64');
      this.gatewayKeys.set(name, key);
      this.persist('gateway-key', name, key);
    }
    return Buffer.from(key, 'base64');
  }

  async authorizationKey(identity: string): Promise<string | undefined> {
    return this.authorizationKeys.get(identity);
  }

  async setAuthorizationKey(identity: string, key: string): Promise<void> {
    this.authorizationKeys.set(identity, key);
    this.persist('secret', identity, this.secrets.seal(key));
  }

  async load(identity: string): Promise<ChargerState | undefined> {
    return this.states.get(identity);
  }

  async save(state: ChargerState): Promise<void> {
    this.states.set(state.identity, state);
    this.persist('state', state.identity, state);
  }

  async markLatest(identity: string, key: string, jobId: string): Promise<void> {
    this.latestMarks.set(`${identity}\n${key}`, jobId);
    this.persist('latest', `${identity}\n${key}`, jobId);
  }

  async latest(identity: string, key: string): Promise<string | undefined> {
    return this.latestMarks.get(`${identity}\n${key}`);
  }

  async queued(identity: string): Promise<number> {
    return this.queuedCounts.get(identity) ?? 0;
  }

  async addQueued(identity: string, delta: 1 | -1): Promise<void> {
    this.queuedCounts.set(identity, Math.max(0, (this.queuedCounts.get(identity) ?? 0) + delta));
  }

  async cacheAuthorization(identity: string, idTag: string, entry: CachedAuthorization): Promise<void> {
    this.authorizations.set(`${identity}\n${idTag}`, entry);
    this.persist('auth', `${identity}\n${idTag}`, entry);
  }

  async cachedAuthorization(identity: string, idTag: string): Promise<CachedAuthorization | undefined> {
    return this.authorizations.get(`${identity}\n${idTag}`);
  }

  async arrive(identity: string, contact: ChargerContact, options?: ArrivalOptions): Promise<Arrival> {
    const previous = this.contacts.get(identity);
    if (!previous && !this.states.has(identity) && options && this.knownCount() >= options.maxChargers)
      return { queued: 0, backlog: false, overLimit: true };
    const changed = contact.callbackUrl !== undefined && contact.callbackUrl !== previous?.callbackUrl;
    const history = changed
      ? withChange(previous?.callbackHistory, contact, previous?.callbackUrl)
      : previous?.callbackHistory;
    const next: ChargerContact = {
      ...contact,
      callbackUrl: contact.callbackUrl ?? previous?.callbackUrl,
      callbackSource: contact.callbackUrl ? contact.callbackSource : previous?.callbackSource,
      callbackHistory: history,
    };
    this.contacts.set(identity, next);
    this.persist('contact', identity, next);
    const queued = (this.queuedCounts.get(identity) ?? 0) + 1;
    this.queuedCounts.set(identity, queued);
    return {
      queued,
      backlog: this.backlogs.has(identity),
      callbackChanged: changed ? { previous: previous?.callbackUrl } : undefined,
      refusedByCsms: this.refused.get(identity),
    };
  }

  /** Identities known: with a contact or a state (a contact is written with every message). */
  private knownCount(): number {
    let n = this.contacts.size;
    for (const identity of this.states.keys()) if (!this.contacts.has(identity)) n++;
    return n;
  }

  async setRefusedByCsms(identity: string, status: number | undefined): Promise<void> {
    if (status === undefined) this.refused.delete(identity);
    else this.refused.set(identity, status);
  }

  async pinnedSource(identity: string): Promise<string | undefined> {
    return this.pins.get(identity);
  }

  async pinSource(identity: string, address: string | undefined): Promise<void> {
    if (address === undefined) this.pins.delete(identity);
    else if (this.pins.has(identity)) return;
    else this.pins.set(identity, address);
    this.persist('pin', identity, address);
  }

  async setBacklog(identity: string, backlog: boolean): Promise<void> {
    if (backlog) this.backlogs.add(identity);
    else this.backlogs.delete(identity);
  }

  async contact(identity: string): Promise<ChargerContact | undefined> {
    const c = this.contacts.get(identity);
    return c && { ...c };
  }

  async identities(): Promise<string[]> {
    return [...new Set([...this.states.keys(), ...this.contacts.keys()])].sort();
  }

  async addDeadLetter(entry: DeadLetter): Promise<void> {
    this.dead.set(entry.id, entry);
    this.persist('dead', entry.id, entry);
  }

  async deadLetters(): Promise<DeadLetter[]> {
    return [...this.dead.values()].sort((a, b) => a.deadAt.localeCompare(b.deadAt));
  }

  async removeDeadLetter(id: string): Promise<DeadLetter | undefined> {
    const entry = this.dead.get(id);
    if (!entry) return undefined;
    this.dead.delete(id);
    this.persist('dead', id, undefined);
    return entry;
  }

  async close(): Promise<void> {}
}

/** The callback history with one more change at its head, at most CALLBACK_HISTORY long. */
export function withChange(
  history: CallbackChange[] | undefined,
  contact: ChargerContact,
  previous: string | undefined,
): CallbackChange[] {
  const change: CallbackChange = {
    at: contact.lastSoapContact,
    url: contact.callbackUrl!,
    previous,
    source: contact.callbackSource ?? 'From',
    remoteAddress: contact.remoteAddress,
  };
  return [change, ...(history ?? [])].slice(0, CALLBACK_HISTORY);
}
