/**
 * Failed authentications counted per key within a fixed window; a key with `limit` failures in its window is
 * throttled until the window ends (docs/architecture.md#throttling). The one throttle of the gateway: the SOAP port
 * keys it by charger and source, the admin port by address. Memory is bounded: past `maxKeys` the oldest windows go.
 */
export class AuthThrottle {
  private readonly windows = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 60_000,
    private readonly maxKeys = 10_000,
  ) {}

  /** Seconds until the key may try again, or undefined when it is not throttled. */
  retryAfter(key: string, now = Date.now()): number | undefined {
    const w = this.windows.get(key);
    if (!w || w.until <= now || w.count < this.limit) return undefined;
    return Math.max(1, Math.ceil((w.until - now) / 1000));
  }

  /** Counts one failure of the key. */
  fail(key: string, now = Date.now()): void {
    const w = this.windows.get(key);
    if (w && w.until > now) {
      w.count++;
      return;
    }
    this.windows.delete(key);
    if (this.windows.size >= this.maxKeys) {
      // Maps iterate in insertion order: the first keys are the oldest windows.
      for (const old of this.windows.keys()) {
        this.windows.delete(old);
        if (this.windows.size < this.maxKeys * 0.9) break;
      }
    }
    this.windows.set(key, { count: 1, until: now + this.windowMs });
  }

  /** Forgets the key's failures (a success). */
  clear(key: string): void {
    this.windows.delete(key);
  }
}
