import type { Counter } from 'prom-client';

interface Cell {
  readonly labels: Record<string, string>;
  pending: number;
}

/**
 * Increments of a prom-client counter that every message makes, kept as plain numbers per label set and added to the
 * counter when it is read (its `collect` hook, which prom-client calls before every read: /metrics, `get()`). An
 * increment is then two or three Map lookups by label value and an addition, where the counter's own `inc` builds a
 * string key from the labels object and checks every label name each time (bench/README.md, "The trace and the
 * per-message metrics"). Label values come from the same fixed vocabularies as the counter's, so the cells are as
 * bounded as its series; a counter's own `inc` still works beside them.
 */
export class Tally {
  private readonly root = new Map<string, Map<string, Map<string, Cell>>>();
  /** The cells in the order they were made: the order the counter first sees their series. */
  private readonly cells: Cell[] = [];

  constructor(
    private readonly counter: Counter<string>,
    /** The counter's label names, in the order `inc` takes their values. */
    private readonly labelNames: readonly string[],
  ) {}

  inc(a: string, b = '', c = ''): void {
    let byB = this.root.get(a);
    if (!byB) this.root.set(a, (byB = new Map()));
    let byC = byB.get(b);
    if (!byC) byB.set(b, (byC = new Map()));
    let cell = byC.get(c);
    if (!cell) {
      const values = [a, b, c];
      cell = { labels: Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!])), pending: 0 };
      byC.set(c, cell);
      this.cells.push(cell);
    }
    cell.pending++;
  }

  /** Adds what was counted since the last read to the counter. */
  flush(): void {
    for (const cell of this.cells) {
      if (cell.pending === 0) continue;
      this.counter.inc(cell.labels, cell.pending);
      cell.pending = 0;
    }
  }
}
