import type { Metric, Registry } from 'prom-client';

/** One labelled series: a count per bucket (the last one past every bound), the sum and the count. */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = this.count = 0;
  }
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
  exemplar?: null;
}

/**
 * A Prometheus histogram with one label, for a hot path: prom-client's Histogram, on every observation, builds a
 * string key from the labels, checks them against the label names and finds the bucket by its bound as a property name
 * (bench/README.md, "The trace and the per-message metrics"). Here a caller keeps the series of its label value
 * (`series`), and an observation is a walk over the bounds and three additions. It registers in a prom-client
 * registry and exposes exactly what prom-client's Histogram would (the same lines in /metrics, the same values from
 * `get()`), checked side by side in test/unit/admin/latency-histogram.test.ts.
 */
export class LatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bySeries = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelName: string,
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    // The registry only reads a metric's name, type, aggregator and values (get, getForPromString) and resets it.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of one label value, made on first use. */
  series(value: string): HistogramSeries {
    let series = this.bySeries.get(value);
    if (!series) {
      series = new HistogramSeries({ [this.labelName]: value }, this.buckets);
      this.bySeries.set(value, series);
    }
    return series;
  }

  /** prom-client's form of an observation, for callers that do not keep a series. */
  observe(labels: Readonly<Record<string, string>>, value: number): void {
    this.series(String(labels[this.labelName])).observe(value);
  }

  /** Empties every series in place: a caller may hold one. A series with no observation is not exported. */
  reset(): void {
    for (const s of this.bySeries.values()) s.reset();
  }

  /** The values as prom-client's Histogram gives them to the registry's text exposition. */
  async getForPromString() {
    const values: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.bySeries.values()) {
      if (s.count === 0) continue;
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += s.counts[i]!;
        values.push({
          labels: { le: bound },
          sharedLabels: s.labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
        });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucketName, exemplar: null },
        { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum`, exemplar: undefined },
        { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count`, exemplar: undefined },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The values as prom-client's Histogram `get()` gives them: each value's labels with the series' label added. */
  async get() {
    const metric = await this.getForPromString();
    return {
      ...metric,
      values: metric.values.map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }
}
