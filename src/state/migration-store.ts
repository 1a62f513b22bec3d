import type { CentralSystem, RouteName } from '../config/migration.js';
import type { CsmsProtocol, SourceDialect } from '../ocpp/protocols.js';
import type { Divergence } from '../translate/divergence.js';
import { emptyRouting, type RoutingState, type SystemAnswer } from '../translate/routing.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import type { SqliteStore } from './sqlite-store.js';

/**
 * A charger message owed to the shadow system (docs/architecture.md#shadow-copies), with the primary's answer (a
 * transaction's ids are paired from both answers). Made durable before the charger gets that answer, so no message
 * the charger was answered for is missing from the shadow's view.
 */
export interface ShadowCopy {
  /** The id of the charger message's job. */
  id: string;
  identity: string;
  target: CentralSystem;
  source: SourceDialect;
  csmsProtocol: CsmsProtocol;
  action: string;
  request: unknown;
  receivedAt: string;
  soapMessageId?: string;
  /** Epoch ms when it was written. */
  createdAt: number;
  /** Its place among the charger's copies (set by the store). */
  order?: number;
  primary: SystemAnswer;
}

/** Divergences kept per charger, newest first; older ones go. */
export const DIVERGENCES_PER_CHARGER = 200;

/**
 * Migration routing's state (docs/architecture.md#migration-routing): routes set at run time, which system owns each
 * open transaction, the shadow copies waiting for delivery, and the divergences found. Embedded (memory, with the
 * durable store when there is one) or Redis.
 */
export interface MigrationStore {
  /** The route set for a charger at run time (undefined: the configured one). Read from memory: called per message. */
  route(identity: string): RouteName | undefined;
  setRoute(identity: string, route: RouteName | undefined): Promise<void>;
  /** Every route set at run time. */
  routes(): ReadonlyMap<string, RouteName>;
  routing(identity: string): Promise<RoutingState>;
  /**
   * Changes a charger's routing, one change at a time per charger within this process; durable once durable()
   * resolves.
   */
  updateRouting(identity: string, change: (routing: RoutingState) => RoutingState): Promise<RoutingState>;
  /** A copy with the same id is written once; durable once durable() resolves. */
  addCopy(copy: ShadowCopy): Promise<void>;
  /** Resolves once everything written so far is durable: one commit for a message's copy and routing together. */
  durable(): Promise<void>;
  removeCopy(identity: string, id: string): Promise<void>;
  /** A charger's copies, oldest first. */
  copies(identity: string, limit: number): Promise<ShadowCopy[]>;
  /** Chargers with copies waiting. */
  chargersWithCopies(): Promise<string[]>;
  addDivergence(divergence: Divergence): Promise<void>;
  /** Newest first; of one charger or of all, since an epoch ms. */
  divergences(query: { identity?: string; since?: number; limit: number }): Promise<Divergence[]>;
  /** Drops what this instance cached of chargers it may no longer own (Redis). */
  forgetCached(): void;
  close(): Promise<void>;
}

/** The embedded migration store: memory, written to the durable store (if any) and read back at start. */
export class EmbeddedMigrationStore implements MigrationStore {
  private readonly routesSet = new Map<string, RouteName>();
  private readonly routings = new Map<string, RoutingState>();
  private readonly copiesOf = new Map<string, ShadowCopy[]>();
  private readonly divergencesOf = new Map<string, Divergence[]>();
  private readonly locks = new KeyedSerialiser();
  private nextOrder = 0;

  constructor(private readonly store?: SqliteStore) {
    if (!store) return;
    for (const [identity, route] of store.loadSpace<RouteName>('route')) this.routesSet.set(identity, route);
    for (const [identity, routing] of store.loadSpace<RoutingState>('routing')) this.routings.set(identity, routing);
    const copies = store
      .loadSpace<ShadowCopy>('copy')
      .map(([, c]) => c)
      .sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    this.nextOrder = (copies.at(-1)?.order ?? -1) + 1;
    for (const copy of copies) this.copiesOf.set(copy.identity, [...(this.copiesOf.get(copy.identity) ?? []), copy]);
    for (const [identity, list] of store.loadSpace<Divergence[]>('divergence')) this.divergencesOf.set(identity, list);
  }

  route(identity: string): RouteName | undefined {
    return this.routesSet.get(identity);
  }

  async setRoute(identity: string, route: RouteName | undefined): Promise<void> {
    if (route === undefined) {
      this.routesSet.delete(identity);
      this.store?.delete('route', identity);
    } else {
      this.routesSet.set(identity, route);
      this.store?.put('route', identity, route);
    }
    await this.store?.durable('state');
  }

  routes(): ReadonlyMap<string, RouteName> {
    return this.routesSet;
  }

  async routing(identity: string): Promise<RoutingState> {
    return this.routings.get(identity) ?? emptyRouting();
  }

  updateRouting(identity: string, change: (routing: RoutingState) => RoutingState): Promise<RoutingState> {
    return new Promise((resolve, reject) => {
      void this.locks.run(identity, async () => {
        try {
          const before = this.routings.get(identity) ?? emptyRouting();
          const next = change(before);
          if (next !== before) {
            this.routings.set(identity, next);
            this.store?.put('routing', identity, next);
          }
          resolve(next);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }

  async addCopy(copy: ShadowCopy): Promise<void> {
    const list = this.copiesOf.get(copy.identity) ?? [];
    if (list.some((c) => c.id === copy.id)) return;
    copy = { ...copy, order: this.nextOrder++ };
    list.push(copy);
    this.copiesOf.set(copy.identity, list);
    this.store?.put('copy', copyKey(copy.identity, copy.id), copy);
  }

  async durable(): Promise<void> {
    await this.store?.durable('state');
  }

  async removeCopy(identity: string, id: string): Promise<void> {
    const list = (this.copiesOf.get(identity) ?? []).filter((c) => c.id !== id);
    if (list.length > 0) this.copiesOf.set(identity, list);
    else this.copiesOf.delete(identity);
    this.store?.delete('copy', copyKey(identity, id));
  }

  async copies(identity: string, limit: number): Promise<ShadowCopy[]> {
    return (this.copiesOf.get(identity) ?? []).slice(0, limit);
  }

  async chargersWithCopies(): Promise<string[]> {
    return [...this.copiesOf.keys()];
  }

  async addDivergence(divergence: Divergence): Promise<void> {
    const list = [divergence, ...(this.divergencesOf.get(divergence.identity) ?? [])].slice(0, DIVERGENCES_PER_CHARGER);
    this.divergencesOf.set(divergence.identity, list);
    this.store?.put('divergence', divergence.identity, list);
  }

  async divergences(query: { identity?: string; since?: number; limit: number }): Promise<Divergence[]> {
    const lists =
      query.identity === undefined ? [...this.divergencesOf.values()] : [this.divergencesOf.get(query.identity) ?? []];
    const since = query.since ?? 0;
    return lists
      .flat()
      .filter((d) => Date.parse(d.at) >= since)
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
      .slice(0, query.limit);
  }

  forgetCached(): void {}

  async close(): Promise<void> {}
}

const copyKey = (identity: string, id: string) => `${identity}\n${id}`;
