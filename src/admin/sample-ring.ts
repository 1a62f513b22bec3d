/**
 * The dashboard's fleet charts keep the last hour in this instance's memory (docs/architecture.md#fleet-charts): one
 * sample every 10 seconds, 360 of them, and a bounded set of named series. Memory is fixed by those two numbers,
 * whatever the size of the fleet: the series are fleet aggregates (operations come from the OCPP vocabulary, so a
 * peer inventing action names cannot add series), never per-charger values.
 */

/** One sample every SAMPLE_INTERVAL_MS, SAMPLES kept: an hour. */
export const SAMPLE_INTERVAL_MS = 10_000;
export const SAMPLES = 360;
/** More series than the OCPP 1.6 and 2.0.1 vocabularies and the fixed charts need together; a guard, not a budget. */
export const MAX_SERIES = 256;

/**
 * The ring's content in time order: sample times (Unix seconds, with milliseconds) and each series' values, null where
 * it had none.
 */
export interface RingSnapshot {
  times: number[];
  series: Map<string, (number | null)[]>;
}

/**
 * A fixed number of samples, newest over oldest. Each series is a Float64Array of the ring's length, created when its
 * name is first given a value (NaN before: no value then) and reused in place after that.
 */
export class SampleRing {
  private readonly times: Float64Array;
  private readonly series = new Map<string, Float64Array>();
  /** The slot the next sample takes. */
  private next = 0;
  private count = 0;
  /** Values given for series beyond maxSeries, which have no slot (should stay 0: see MAX_SERIES). */
  refused = 0;

  constructor(
    readonly capacity = SAMPLES,
    readonly maxSeries = MAX_SERIES,
  ) {
    this.times = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a sample taken at `at` (ms since the epoch); a series not given a value has none at that time. */
  push(at: number, values: ReadonlyMap<string, number>): void {
    const slot = this.next;
    this.times[slot] = at;
    for (const array of this.series.values()) array[slot] = Number.NaN;
    for (const [name, value] of values) {
      let array = this.series.get(name);
      if (!array) {
        if (this.series.size >= this.maxSeries) {
          this.refused++;
          continue;
        }
        array = new Float64Array(this.capacity).fill(Number.NaN);
        this.series.set(name, array);
      }
      array[slot] = value;
    }
    this.next = (slot + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Every sample kept, oldest first. */
  snapshot(): RingSnapshot {
    const first = (this.next - this.count + this.capacity) % this.capacity;
    const slots = Array.from({ length: this.count }, (_, k) => (first + k) % this.capacity);
    const series = new Map<string, (number | null)[]>();
    for (const [name, array] of this.series)
      series.set(
        name,
        slots.map((s) => (Number.isNaN(array[s]!) ? null : array[s]!)),
      );
    return { times: slots.map((s) => this.times[s]! / 1000), series };
  }
}

/** Counter values by a key, as read at one sample. */
export type CounterReading = ReadonlyMap<string, number>;

/**
 * Per-second rates between two readings of cumulative counters. A counter that went down (the registry was reset) is
 * read as having started from zero; a key missing from `before` likewise.
 */
export function ratesBetween(before: CounterReading, after: CounterReading, seconds: number): Map<string, number> {
  const rates = new Map<string, number>();
  for (const [key, value] of after) {
    const previous = before.get(key) ?? 0;
    const delta = value >= previous ? value - previous : value;
    rates.set(key, delta / seconds);
  }
  return rates;
}

/** A histogram's cumulative bucket counts at one reading: upper bounds ascending (the last may be Infinity). */
export interface HistogramReading {
  bounds: readonly number[];
  cumulative: readonly number[];
}

/**
 * The q-quantile of the observations made between two readings of a histogram, interpolated linearly inside the
 * bucket that holds it (as Prometheus' histogram_quantile does); NaN when nothing was observed in between. An
 * observation past the last finite bound is reported as that bound: the histogram knows no more.
 */
export function quantileBetween(before: HistogramReading | undefined, after: HistogramReading, q: number): number {
  const counts = after.cumulative.map((c, i) => Math.max(0, c - (before?.cumulative[i] ?? 0)));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]! < rank) continue;
    const upper = after.bounds[i]!;
    const lower = i === 0 ? 0 : after.bounds[i - 1]!;
    if (!Number.isFinite(upper)) return lower;
    const below = i === 0 ? 0 : counts[i - 1]!;
    const inBucket = counts[i]! - below;
    return inBucket > 0 ? lower + (upper - lower) * ((rank - below) / inBucket) : upper;
  }
  return after.bounds[after.bounds.length - 1]!;
}
