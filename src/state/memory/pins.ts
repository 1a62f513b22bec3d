import type { SourcePinStore } from '../registry.js';
import type { PersistedMap } from './persist.js';

/** Pinned source addresses in process memory. */
export class MemorySourcePins implements SourcePinStore {
  constructor(private readonly pins: PersistedMap<string>) {}

  async pinnedSource(identity: string): Promise<string | undefined> {
    return this.pins.get(identity);
  }

  async pinSource(identity: string, address: string | undefined): Promise<void> {
    if (address === undefined) this.pins.delete(identity);
    else if (!this.pins.has(identity)) this.pins.set(identity, address);
  }
}
