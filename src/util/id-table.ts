/**
 * A string-keyed table for bookkeeping that gains and loses an entry per message (the waiters of a queue, a
 * charger's lock): the entries live in a prototype-less object, not in a `Map`.
 *
 * Why (bench/README.md, eighth round; measured with `--trace-gc-nvp`): a long-lived `Map` that has entries added and
 * deleted
 * all the time rebuilds its hash table every few operations, and V8 keeps each replaced table linked to its successor
 * (for iterators that were open on it). What fits the measurements: once one of those tables is in the old
 * generation, the dead chain holds the deleted values (a waiter's closure, and through it the whole message) alive
 * through every young collection until
 * the next full one, so they are promoted. In the Redis mode at a fixed 1,000 msg/s this promoted 0.2-0.7 MB per
 * young collection, depending on the run, against 0.04-0.06 MB with these tables; the full collections that followed
 * were the p99 at half load.
 * An object in dictionary mode forgets a deleted entry at once.
 *
 * `keys()` and `values()` return copies, so the table may change while a caller walks them. Keys may be strings or
 * numbers (`K`); `keys()` gives them as strings, and `values()` gives integer keys' values in ascending key order first.
 */
export class IdTable<V, K extends string | number = string> {
  private entries: Record<K, V> = Object.create(null) as Record<K, V>;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: K): V | undefined {
    return this.entries[key];
  }

  has(key: K): boolean {
    return key in this.entries;
  }

  set(key: K, value: V): this {
    if (!(key in this.entries)) this.count++;
    this.entries[key] = value;
    return this;
  }

  delete(key: K): boolean {
    if (!(key in this.entries)) return false;
    delete this.entries[key];
    this.count--;
    return true;
  }

  keys(): string[] {
    return Object.keys(this.entries);
  }

  values(): V[] {
    return Object.values(this.entries);
  }

  clear(): void {
    this.entries = Object.create(null) as Record<K, V>;
    this.count = 0;
  }
}
