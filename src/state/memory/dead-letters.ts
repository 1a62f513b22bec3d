import type { DeadLetter, DeadLetterStore } from '../registry.js';
import type { PersistedMap } from './persist.js';
import { compareText } from '../../util/order.js';

/** Dead letters in process memory, by message id. */
export class MemoryDeadLetters implements DeadLetterStore {
  constructor(private readonly letters: PersistedMap<DeadLetter>) {}

  async add(entry: DeadLetter): Promise<void> {
    this.letters.set(entry.id, entry);
  }

  async list(): Promise<DeadLetter[]> {
    return [...this.letters.values()].sort((a, b) => compareText(a.deadAt, b.deadAt));
  }

  async remove(id: string): Promise<DeadLetter | undefined> {
    const entry = this.letters.get(id);
    if (!entry) return undefined;
    this.letters.delete(id);
    return entry;
  }
}
