import { readdirSync, readFileSync } from 'node:fs';

/**
 * This process's open file descriptors against its limit (Linux /proc; elsewhere nothing is known and nothing is
 * refused). Read at most once a second: counting is a directory listing.
 */
export class FileDescriptors {
  private checkedAt = 0;
  private open = 0;
  private readonly limit: number | undefined;

  constructor(private readonly reserve: number) {
    this.limit = softLimit();
  }

  /** Fewer than `reserve` descriptors are left: new chargers are turned away so that the ones served keep working. */
  low(now = Date.now()): boolean {
    if (this.limit === undefined || this.reserve === 0) return false;
    if (now - this.checkedAt >= 1_000) {
      this.checkedAt = now;
      try {
        this.open = readdirSync('/proc/self/fd').length;
      } catch {
        return false;
      }
    }
    return this.open >= this.limit - this.reserve;
  }

  /** What the last count found, for metrics and the status API. */
  get snapshot(): { open: number; limit: number | undefined; reserve: number } {
    return { open: this.open, limit: this.limit, reserve: this.reserve };
  }
}

function softLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}
