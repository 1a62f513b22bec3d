import { emptyChargerState, type ChargerState } from '../translate/charger-state.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';
import type { StateStore } from './registry.js';

/** StateStore.update() for every backend: load, change, save, one charger at a time within this process. */
export class StateUpdater {
  private readonly locks = new KeyedSerialiser();

  constructor(private readonly states: Pick<StateStore, 'load' | 'save'>) {}

  update(identity: string, change: (state: ChargerState) => ChargerState): Promise<ChargerState> {
    return new Promise<ChargerState>((resolve, reject) => {
      void this.locks.run(identity, async () => {
        try {
          const next = change((await this.states.load(identity)) ?? emptyChargerState(identity));
          await this.states.save(next);
          resolve(next);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }
}
