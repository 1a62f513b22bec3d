import { IdTable } from './id-table.js';

/** Serialises work per key, in call order: the per-charger lock both queue implementations use. */
export class KeyedSerialiser {
  /** An entry per key with work running or waiting: it gains and loses one per message, hence an IdTable. */
  private readonly tails = new IdTable<Promise<void>>();

  run(key: string, work: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work).catch(() => undefined);
    this.tails.set(key, next);
    void next.then(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }

  /** Whether work for the key is running or waiting. */
  has(key: string): boolean {
    return this.tails.has(key);
  }

  get size(): number {
    return this.tails.size;
  }

  async drain(): Promise<void> {
    await Promise.all(this.tails.values());
  }
}
