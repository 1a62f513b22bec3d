import { storedChargerState, type ChargerState } from '../../translate/charger-state.js';
import { IdTable } from '../../util/id-table.js';
import type { StateStore } from '../registry.js';
import { StateUpdater } from '../state-updater.js';
import type { RedisSpace } from './space.js';

/** Charger states in Redis: `<prefix>:charger:<identity>`, a string, ChargerState as JSON. */
export class RedisStateStore implements StateStore {
  private readonly updater = new StateUpdater(this);
  /**
   * States of the chargers this instance consumes (their partition's lease is ours). Only the consumer of a
   * charger's partition changes its state (its messages, the CSMS's commands over its WebSocket, follow-ups), so a
   * write-through copy is exact while the lease is held; it saves two reads per message (bench/README.md). States are
   * never mutated (pure reducers), so the copy is shared, not cloned.
   */
  private readonly owned = new IdTable<ChargerState>();

  constructor(
    private readonly space: RedisSpace,
    /** Whether this instance consumes the charger's partition now; without it nothing is cached. */
    private readonly consumes: (identity: string) => boolean,
  ) {}

  /** A partition changed hands: what was cached may have been written by another instance since. */
  forgetCached(): void {
    this.owned.clear();
  }

  async load(identity: string): Promise<ChargerState | undefined> {
    const consumed = this.consumes(identity);
    if (consumed) {
      const cached = this.owned.get(identity);
      if (cached) return cached;
    } else this.owned.delete(identity);
    const json = await this.space.redis.get(this.space.key('charger', identity));
    const state = json === null ? undefined : storedChargerState(JSON.parse(json) as ChargerState);
    if (state && consumed && this.consumes(identity)) this.owned.set(identity, state);
    return state;
  }

  async save(state: ChargerState): Promise<void> {
    const space = this.space;
    // Dropped from the cache while the write is under way: a failed write must not leave a copy Redis lacks.
    this.owned.delete(state.identity);
    // The identity is in the chargers set since its first message (arrive).
    space.coalesce();
    await space.setOrDelete(
      space.fence(state.identity),
      [space.key('charger', state.identity)],
      [JSON.stringify(state)],
    );
    if (this.consumes(state.identity)) this.owned.set(state.identity, state);
  }

  update(identity: string, change: (state: ChargerState) => ChargerState): Promise<ChargerState> {
    return this.updater.update(identity, change);
  }
}
