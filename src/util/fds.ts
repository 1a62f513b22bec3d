import { readdirSync, readFileSync } from 'node:fs';

/**
 * This process's open file descriptors against its limit (Linux /proc; elsewhere nothing is known and nothing is
 * refused). Counted at most every COUNT_EVERY_MS (a directory listing); in between, what the caller says it is about
 * to open (opening()) is added, so that a burst of new chargers cannot run past the reserve before the next count.
 */
const COUNT_EVERY_MS = 250;

export class FileDescriptors {
  private checkedAt = 0;
  private open = 0;
  readonly limit: number | undefined;

  constructor(private readonly reserve: number) {
    this.limit = softLimit();
  }

  /** Fewer than `reserve` descriptors are left: new chargers are turned away so that the ones served keep working. */
  low(now = Date.now()): boolean {
    if (this.limit === undefined || this.reserve === 0) return false;
    if (now - this.checkedAt >= COUNT_EVERY_MS) {
      this.checkedAt = now;
      try {
        this.open = readdirSync('/proc/self/fd').length;
      } catch {
        return false;
      }
    }
    return this.open >= this.limit - this.reserve;
  }

  /** `count` descriptors are about to be opened (a new charger's CSMS connection). */
  opening(count = 1): void {
    this.open += count;
  }

  /**
   * How many connections the SOAP port may hold (docs/architecture.md#resource-bounds): the limit less half the
   * reserve, so that a flood of connections alone can never take the last descriptors (the admin port's, the CSMS
   * connections' of chargers already served). Undefined when the limit is unknown or no reserve is kept.
   */
  connectionLimit(): number | undefined {
    if (this.limit === undefined || this.reserve === 0) return undefined;
    return Math.max(16, this.limit - Math.ceil(this.reserve / 2));
  }

  /** What the last count found, for metrics and the status API. */
  get snapshot(): { open: number; limit: number | undefined; reserve: number } {
    return { open: this.open, limit: this.limit, reserve: this.reserve };
  }
}

function softLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}
