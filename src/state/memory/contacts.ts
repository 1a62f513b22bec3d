import { CALLBACK_HISTORY } from '../registry.js';
import type { Arrival, ArrivalOptions, CallbackChange, ChargerContact, ContactStore } from '../registry.js';
import type { PersistedMap } from './persist.js';
import type { MemoryQueuedCounts } from './queued.js';
import type { MemoryStateStore } from './states.js';

/**
 * Contacts in process memory, with the flags `arrive` reads: the backlog flag and the CSMS's refusal (those two in
 * memory only, not handed to the embedded store). Reads the states for the identities known
 * and counts arrivals in the queued counts, as the Redis script does in the same step.
 */
export class MemoryContactStore implements ContactStore {
  private readonly backlogs = new Set<string>();
  private readonly refused = new Map<string, number>();

  constructor(
    private readonly contacts: PersistedMap<ChargerContact>,
    private readonly states: Pick<MemoryStateStore, 'has' | 'identities'>,
    private readonly queued: Pick<MemoryQueuedCounts, 'countIn'>,
  ) {}

  /** Records the contact and counts the message as queued: one synchronous step, as the Redis script is one. */
  async arrive(identity: string, contact: ChargerContact, options?: ArrivalOptions): Promise<Arrival> {
    const previous = this.contacts.get(identity);
    if (!previous && !this.states.has(identity) && options && this.knownCount() >= options.maxChargers)
      return { queued: 0, backlog: false, overLimit: true };
    const changed = contact.callbackUrl !== undefined && contact.callbackUrl !== previous?.callbackUrl;
    const history = changed
      ? withChange(previous?.callbackHistory, contact, previous?.callbackUrl)
      : previous?.callbackHistory;
    // Every field named, in one order: all contacts share one shape, so this copy and the reads of `previous` stay on
    // V8's fast paths, where a spread and stores took its generic ones (docs/architecture.md#design-choices).
    const next: ChargerContact = {
      lastSoapContact: contact.lastSoapContact,
      lastAction: contact.lastAction,
      remoteAddress: contact.remoteAddress,
      callbackUrl: contact.callbackUrl ?? previous?.callbackUrl,
      callbackSource: contact.callbackUrl ? contact.callbackSource : previous?.callbackSource,
      dialect: contact.dialect,
      csmsProtocol: contact.csmsProtocol,
      callbackHistory: history,
    };
    this.contacts.set(identity, next);
    return {
      queued: this.queued.countIn(identity),
      backlog: this.backlogs.has(identity),
      callbackChanged: changed ? { previous: previous?.callbackUrl } : undefined,
      refusedByCsms: this.refused.get(identity),
    };
  }

  /** Identities known: with a contact or a state (a contact is written with every message). */
  private knownCount(): number {
    let n = this.contacts.size;
    for (const identity of this.states.identities()) if (!this.contacts.has(identity)) n++;
    return n;
  }

  async contact(identity: string): Promise<ChargerContact | undefined> {
    const c = this.contacts.get(identity);
    return c && { ...c };
  }

  async identities(): Promise<string[]> {
    return [...new Set([...this.states.identities(), ...this.contacts.keys()])].sort();
  }

  async setRefusedByCsms(identity: string, status: number | undefined): Promise<void> {
    if (status === undefined) this.refused.delete(identity);
    else this.refused.set(identity, status);
  }

  async setBacklog(identity: string, backlog: boolean): Promise<void> {
    if (backlog) this.backlogs.add(identity);
    else this.backlogs.delete(identity);
  }
}

/** The callback history with one more change at its head, at most CALLBACK_HISTORY long. */
function withChange(
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
