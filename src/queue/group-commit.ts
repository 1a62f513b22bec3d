/**
 * Group commit: items for the same key are handed to `flush` together, in submission order, so that one Redis
 * write carries many messages. Nothing waits for a timer:
 * - a key with no write under way is flushed on the next `setImmediate` (after the I/O of the current turn has been
 *   read), so under light load every batch holds one item and adds no delay;
 * - while a key's write is under way, its new items gather and go out together the moment that write completes, so
 *   under heavy load batches grow by themselves and a key has about one write in flight at a time (the consumer of
 *   a BullMQ queue fetches one job per round trip: more jobs than that only queue up in front of it);
 * - a batch that reaches `maxItems` is flushed at once regardless.
 */
export class GroupCommit<K, T> {
  private readonly open = new Map<K, T[]>();
  private readonly inFlight = new Map<K, number>();
  private scheduled = false;

  constructor(
    private readonly maxItems: number,
    private readonly flush: (key: K, items: T[]) => Promise<unknown> | undefined,
  ) {
    if (!(maxItems >= 1)) throw new RangeError('maxItems must be at least 1');
  }

  add(key: K, item: T): void {
    let items = this.open.get(key);
    if (!items) this.open.set(key, (items = []));
    items.push(item);
    if (items.length >= this.maxItems) {
      this.send(key);
      return;
    }
    if (!this.scheduled && !this.inFlight.has(key)) {
      this.scheduled = true;
      setImmediate(() => this.flushIdle());
    }
  }

  /** Hands every open batch to `flush` now, writes under way or not (shutdown). */
  flushAll(): void {
    for (const key of [...this.open.keys()]) this.send(key);
  }

  get pending(): number {
    let n = 0;
    for (const items of this.open.values()) n += items.length;
    return n;
  }

  private flushIdle(): void {
    this.scheduled = false;
    for (const key of [...this.open.keys()]) if (!this.inFlight.has(key)) this.send(key);
  }

  private send(key: K): void {
    const items = this.open.get(key);
    if (!items) return;
    this.open.delete(key);
    const written = this.flush(key, items);
    if (!written) return;
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    const done = () => {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) {
        this.inFlight.set(key, left);
        return;
      }
      this.inFlight.delete(key);
      if (this.open.has(key)) this.send(key);
    };
    written.then(done, done);
  }
}
