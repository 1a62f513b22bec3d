/**
 * Group commit: items submitted for the same key in the same turn of the event loop are handed to `flush` together,
 * in submission order, so that one Redis write carries many messages. Nothing waits for a timer: a batch is flushed
 * on the next `setImmediate` (after the I/O of the current turn has been read), or at once when it reaches `maxItems`.
 * Under light load every batch holds one item and adds no delay; under heavy load batches grow by themselves.
 */
export class GroupCommit<K, T> {
  private readonly open = new Map<K, T[]>();
  private scheduled = false;

  constructor(
    private readonly maxItems: number,
    private readonly flush: (key: K, items: T[]) => void,
  ) {
    if (!(maxItems >= 1)) throw new RangeError('maxItems must be at least 1');
  }

  add(key: K, item: T): void {
    let items = this.open.get(key);
    if (!items) this.open.set(key, (items = []));
    items.push(item);
    if (items.length >= this.maxItems) {
      this.open.delete(key);
      this.flush(key, items);
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  /** Hands every open batch to `flush` now (also used on shutdown). */
  flushAll(): void {
    this.scheduled = false;
    const batches = [...this.open];
    this.open.clear();
    for (const [key, items] of batches) this.flush(key, items);
  }

  get pending(): number {
    let n = 0;
    for (const items of this.open.values()) n += items.length;
    return n;
  }
}
