import type { ChargerState } from '../../translate/charger-state.js';
import type { StateStore } from '../registry.js';
import { StateUpdater } from '../state-updater.js';
import type { PersistedMap } from './persist.js';

/**
 * Charger states in process memory, stored as given, without a copy: every change goes through pure reducers that
 * return new objects, so a stored state is never mutated.
 */
export class MemoryStateStore implements StateStore {
  private readonly updater = new StateUpdater(this);

  /** `states`: read through storedChargerState at start (the field names of earlier versions). */
  constructor(private readonly states: PersistedMap<ChargerState>) {}

  async load(identity: string): Promise<ChargerState | undefined> {
    return this.states.get(identity);
  }

  async save(state: ChargerState): Promise<void> {
    this.states.set(state.identity, state);
  }

  update(identity: string, change: (state: ChargerState) => ChargerState): Promise<ChargerState> {
    return this.updater.update(identity, change);
  }

  /** Whether the charger has a state (the contacts' count of known identities). */
  has(identity: string): boolean {
    return this.states.has(identity);
  }

  identities(): IterableIterator<string> {
    return this.states.keys();
  }
}
