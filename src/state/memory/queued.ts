import type { QueuedCountStore } from '../registry.js';

/** Queued counts in process memory; never persisted: at start the gateway counts the messages the embedded store restored again. */
export class MemoryQueuedCounts implements QueuedCountStore {
  private readonly counts = new Map<string, number>();

  async count(identity: string): Promise<number> {
    return this.counts.get(identity) ?? 0;
  }

  async add(identity: string, delta: 1 | -1): Promise<void> {
    this.counts.set(identity, Math.max(0, (this.counts.get(identity) ?? 0) + delta));
  }

  /** Counts one more message in and returns the new count (MemoryContactStore.arrive, synchronously). */
  countIn(identity: string): number {
    const queued = (this.counts.get(identity) ?? 0) + 1;
    this.counts.set(identity, queued);
    return queued;
  }
}
