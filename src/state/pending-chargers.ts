import type { Logger } from '../util/log.js';
import type { SqliteStore } from './sqlite-store.js';

/**
 * Pending chargers (docs/operations.md#onboarding-chargers): with ADMISSION=approve, an identity that knocks without
 * being listed is refused and remembered here until an operator approves or rejects it. The list is bounded: beyond
 * PENDING_MAX the identity heard least recently is forgotten and counted, so invented identities cannot fill memory,
 * the store or Redis.
 */

/** What one identity's refused messages of the last second said about it (merged by PendingRecorder). */
export interface Knock {
  identity: string;
  /** Epoch ms of the first and last of the merged messages, and how many there were. */
  first: number;
  last: number;
  count: number;
  /** The source address of the last one. */
  address?: string;
  dialect?: string;
  /** From a BootNotification's body. */
  vendor?: string;
  model?: string;
}

/** A pending identity as stored: times in epoch ms. */
export type PendingRecord = Knock;

/** An operator's decision about an identity; the identity leaves the pending list with it. */
export interface Decision {
  identity: string;
  kind: 'approved' | 'rejected';
  /** ISO 8601 UTC. */
  at: string;
  /** Who decided: the admin session's tag, "bearer token" or "open admin port", and from which address. */
  by: string;
  address: string;
  reason?: string;
  /** Charger settings given with an approval (as under chargers.<identity> in the configuration). */
  settings?: Record<string, unknown>;
}

/** Where pending identities and decisions are kept: embedded (memory and the embedded store) or Redis. */
export interface PendingStore {
  /** The decision about an identity, from memory (read per refused message, and per message of an unlisted one). */
  decision(identity: string): Decision | undefined;
  /** Every decision of a kind. */
  decisions(kind: Decision['kind']): Decision[];
  /**
   * Merges knocks into the list (an identity with a decision is skipped), forgets the least recently heard beyond
   * the bound; `alsoDropped` knocks were dropped before reaching the store. Resolves with how many were dropped.
   */
  record(knocks: Knock[], alsoDropped?: number): Promise<number>;
  /** The pending identities, most recently heard first, and how many were dropped since the store was created. */
  list(): Promise<{ pending: PendingRecord[]; dropped: number }>;
  pending(identity: string): Promise<PendingRecord | undefined>;
  /** How many identities are pending. */
  size(): Promise<number>;
  decide(decision: Decision): Promise<void>;
  /** Forgets a decision of that kind; whether there was one. */
  forget(identity: string, kind: Decision['kind']): Promise<boolean>;
  close(): Promise<void>;
}

/** Merges a later knock of the same identity into an entry (the Redis store does the same in Lua). */
export function mergeKnock(entry: PendingRecord, knock: Knock): PendingRecord {
  const later = knock.last >= entry.last;
  return {
    ...entry,
    first: Math.min(entry.first, knock.first),
    last: Math.max(entry.last, knock.last),
    count: entry.count + knock.count,
    address: later ? knock.address : entry.address,
    dialect: later ? knock.dialect : entry.dialect,
    vendor: knock.vendor ?? entry.vendor,
    model: knock.vendor !== undefined ? knock.model : entry.model,
  };
}

/**
 * The embedded pending store: memory, written behind to the embedded store (if any) and read back at start. The map
 * keeps identities in the order they were last heard, so the one to forget is always the first.
 */
export class EmbeddedPendingStore implements PendingStore {
  private readonly entries = new Map<string, PendingRecord>();
  private readonly decided = new Map<string, Decision>();
  private dropped = 0;

  constructor(
    private readonly max: number,
    private readonly store?: SqliteStore,
  ) {
    if (!store) return;
    const loaded = store.loadSpace<PendingRecord>('pending').map(([, p]) => p);
    for (const p of loaded.sort((a, b) => a.last - b.last)) this.entries.set(p.identity, p);
    for (const [identity, d] of store.loadSpace<Decision>('pending-decision')) this.decided.set(identity, d);
    this.dropped = store.loadSpace<number>('pending-dropped').find(([key]) => key === 'total')?.[1] ?? 0;
    this.evict(0);
  }

  decision(identity: string): Decision | undefined {
    return this.decided.get(identity);
  }

  decisions(kind: Decision['kind']): Decision[] {
    return [...this.decided.values()].filter((d) => d.kind === kind);
  }

  async record(knocks: Knock[], alsoDropped = 0): Promise<number> {
    for (const knock of knocks) {
      if (this.decided.has(knock.identity)) continue;
      const entry = this.entries.get(knock.identity);
      const next = entry ? mergeKnock(entry, knock) : knock;
      this.entries.delete(knock.identity);
      this.entries.set(knock.identity, next);
      this.store?.put('pending', knock.identity, next);
    }
    return this.evict(alsoDropped);
  }

  /** Forgets the least recently heard identities beyond the bound; returns how many were dropped. */
  private evict(alsoDropped: number): number {
    let dropped = alsoDropped;
    for (const identity of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(identity);
      this.store?.delete('pending', identity);
      dropped++;
    }
    if (dropped > 0) {
      this.dropped += dropped;
      this.store?.put('pending-dropped', 'total', this.dropped);
    }
    return dropped;
  }

  async list(): Promise<{ pending: PendingRecord[]; dropped: number }> {
    return { pending: [...this.entries.values()].reverse(), dropped: this.dropped };
  }

  async pending(identity: string): Promise<PendingRecord | undefined> {
    return this.entries.get(identity);
  }

  async size(): Promise<number> {
    return this.entries.size;
  }

  async decide(decision: Decision): Promise<void> {
    this.entries.delete(decision.identity);
    this.decided.set(decision.identity, decision);
    this.store?.delete('pending', decision.identity);
    this.store?.put('pending-decision', decision.identity, decision);
    await this.store?.durable('state');
  }

  async forget(identity: string, kind: Decision['kind']): Promise<boolean> {
    if (this.decided.get(identity)?.kind !== kind) return false;
    this.decided.delete(identity);
    this.store?.delete('pending-decision', identity);
    await this.store?.durable('state');
    return true;
  }

  async close(): Promise<void> {}
}

/** How long the knocks of one identity are merged before they are written: its last-seen time moves once a second. */
export const KNOCK_FLUSH_MS = 1_000;

/**
 * Merges the refused messages of unlisted identities for a second, then writes them to the store in one batch: an
 * identity costs one write a second however often it knocks, and a flood of invented ones costs one batch a second,
 * bounded by PENDING_MAX (what is beyond is counted as dropped without being written).
 */
export class PendingRecorder {
  private batch = new Map<string, Knock>();
  private overflow = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly store: PendingStore,
    private readonly max: number,
    private readonly logger: Logger,
    /** How many identities a flush dropped (for the metrics). */
    private readonly onDropped: (count: number) => void = () => undefined,
  ) {}

  knock(knock: Omit<Knock, 'first' | 'last' | 'count'> & { at: number }): void {
    // A rejected identity keeps being refused without being listed again (docs/operations.md#onboarding-chargers).
    if (this.store.decision(knock.identity)) return;
    const entry = this.batch.get(knock.identity);
    // Merged in place, as mergeKnock would: this runs for every refused message, however many there are.
    if (entry) {
      entry.count++;
      if (knock.at >= entry.last) {
        entry.last = knock.at;
        entry.address = knock.address;
        entry.dialect = knock.dialect;
      }
      if (knock.vendor !== undefined) {
        entry.vendor = knock.vendor;
        entry.model = knock.model;
      }
    } else if (this.batch.size >= this.max) this.overflow++;
    else
      this.batch.set(knock.identity, {
        identity: knock.identity,
        first: knock.at,
        last: knock.at,
        count: 1,
        address: knock.address,
        dialect: knock.dialect,
        vendor: knock.vendor,
        model: knock.model,
      });
    this.timer ??= setTimeout(() => void this.flush(), KNOCK_FLUSH_MS).unref();
  }

  /** Writes what was merged so far; resolves once it is written (or failed, logged). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const knocks = [...this.batch.values()];
    const overflow = this.overflow;
    this.batch = new Map();
    this.overflow = 0;
    if (knocks.length === 0 && overflow === 0) return this.flushing ?? Promise.resolve();
    const previous = this.flushing ?? Promise.resolve();
    const flushing = previous
      .then(() => this.store.record(knocks, overflow))
      .then(
        (dropped) => {
          if (dropped > 0) this.onDropped(dropped);
        },
        (err: Error) =>
          this.logger.warn(
            { err: err.message, identities: knocks.length },
            'could not record pending chargers; they are listed again at their next message',
          ),
      );
    this.flushing = flushing;
    void flushing.then(() => {
      if (this.flushing === flushing) this.flushing = undefined;
    });
    return flushing;
  }

  stop(): Promise<void> {
    return this.flush();
  }
}
