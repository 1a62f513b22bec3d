import type { StoreSpace } from '../sqlite-store.js';

/** Where a memory store's lasting writes go: nowhere (STORE=memory), or the embedded store (sqliteRegistry). */
export type Persist = (space: StoreSpace, key: string, value: unknown) => void;

/** What a memory store starts with: nothing (STORE=memory), or what the embedded store holds in a key space. */
export type Stored = <T>(space: StoreSpace) => Iterable<[string, T]>;

export const persistNowhere: Persist = () => undefined;
export const storedNothing: Stored = () => [];

/**
 * One key space of a memory store: a map read from `stored` at start (each value through `restore`), each write
 * handed to `persist` as well. Values are kept as given, without a copy.
 */
export class PersistedMap<T> {
  private readonly map = new Map<string, T>();

  constructor(
    private readonly space: StoreSpace,
    private readonly persist: Persist,
    stored: Stored,
    restore: (value: T) => T = (value) => value,
  ) {
    for (const [key, value] of stored<T>(space)) this.map.set(key, restore(value));
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): T | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<T> {
    return this.map.values();
  }

  /** Keeps the value; `persisted` is what the store gets instead (a sealed secret), the value itself by default. */
  set(key: string, value: T, persisted: unknown = value): void {
    this.map.set(key, value);
    this.persist(this.space, key, persisted);
  }

  delete(key: string): void {
    this.map.delete(key);
    this.persist(this.space, key, undefined);
  }
}
