import { Router } from 'express';
import type { Logger } from '../util/log.js';
import type { GatewayMetrics } from './metrics.js';
import {
  type CounterReading,
  type HistogramReading,
  quantileBetween,
  ratesBetween,
  SAMPLE_INTERVAL_MS,
  SampleRing,
} from './sample-ring.js';
import { ChargerTimeline, type ConnectionView } from './timeline.js';

/**
 * The fleet charts of the dashboard (docs/architecture.md#fleet-charts): every 10 s, on a timer, the counters the
 * gateway keeps anyway (the Prometheus metrics, the queue, the dead letters, the CSMS connections) are read once and
 * turned into one sample. Nothing is added on a message's path.
 */

/** What a sample reads. */
export interface ChartSources {
  metrics: GatewayMetrics;
  /** This instance's CSMS connections, by charger identity. */
  connections(): Iterable<[string, ConnectionView]>;
  /** Messages waiting in the queue (shared by every instance with Redis). */
  queued(): Promise<number>;
  /** Messages in the dead letters (likewise). */
  deadLetters(): Promise<number>;
}

export const DIRECTIONS = [
  ['charger_to_csms', 'charger → CSMS'],
  ['csms_to_charger', 'CSMS → charger'],
] as const;
const QUANTILES = [
  [0.5, 'p50'],
  [0.99, 'p99'],
] as const;

/** A series' name is its chart and its label: `chart:label`. */
type ChartName = 'messages' | 'latency' | 'backlog' | 'connections';
const UNITS: Record<ChartName, string> = {
  messages: 'messages/s',
  latency: 'ms',
  backlog: 'messages',
  connections: 'connections',
};

export interface ChartSeries {
  name: string;
  values: (number | null)[];
}

/** GET /api/charts: sample times (Unix seconds) and, per chart, its unit and series aligned with the times. */
export interface ChartsView {
  intervalSeconds: number;
  times: number[];
  charts: Record<ChartName, { unit: string; series: ChartSeries[] }>;
}

/** Operations shown by name in the messages chart unless asked otherwise; the rest are summed. */
export const DEFAULT_OPERATIONS = 8;
const OTHERS = 'all other operations';

interface Reading {
  at: number;
  messages: CounterReading;
  latency: Map<string, HistogramReading>;
}

export class FleetCharts {
  readonly ring = new SampleRing();
  private previous?: Reading;
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;

  constructor(
    private readonly sources: ChartSources,
    private readonly timeline: ChargerTimeline,
    private readonly logger: Logger,
  ) {}

  /** Samples now (the baseline of the first rates) and every SAMPLE_INTERVAL_MS, on a timer that keeps no one up. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sample(), SAMPLE_INTERVAL_MS).unref();
    void this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample (a sample still being taken is waited for instead of overlapped). */
  sample(now = Date.now()): Promise<void> {
    this.sampling ??= this.take(now)
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'fleet chart sample failed'))
      .finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  private async take(now: number): Promise<void> {
    const [reading, queued, dead] = await Promise.all([
      this.read(now),
      this.sources.queued().catch(() => Number.NaN),
      this.sources.deadLetters().catch(() => Number.NaN),
    ]);
    const values = new Map<string, number>();
    const before = this.previous;
    if (before && now > before.at) {
      for (const [operation, rate] of ratesBetween(before.messages, reading.messages, (now - before.at) / 1000))
        values.set(`messages:${operation}`, rate);
      for (const [direction, label] of DIRECTIONS) {
        const after = reading.latency.get(direction);
        if (!after) continue;
        for (const [q, name] of QUANTILES) {
          const seconds = quantileBetween(before.latency.get(direction), after, q);
          if (!Number.isNaN(seconds)) values.set(`latency:${name} ${label}`, seconds * 1000);
        }
      }
    }
    if (!Number.isNaN(queued)) values.set('backlog:queued', queued);
    if (!Number.isNaN(dead)) values.set('backlog:dead letters', dead);
    let open = 0;
    for (const [identity, connection] of this.sources.connections()) {
      if (connection.isOpen) open++;
      this.timeline.connectionSeen(identity, connection, now);
    }
    values.set('connections:CSMS connections open', open);
    this.ring.push(now, values);
    this.previous = reading;
  }

  /** The message counter summed per operation, and the latency histogram's buckets per direction. */
  private async read(at: number): Promise<Reading> {
    const [messages, latency] = await Promise.all([
      this.sources.metrics.messages.get(),
      this.sources.metrics.latency.get(),
    ]);
    const perOperation = new Map<string, number>();
    for (const { labels, value } of messages.values) {
      const operation = String(labels.operation);
      perOperation.set(operation, (perOperation.get(operation) ?? 0) + value);
    }
    const buckets = new Map<string, [number, number][]>();
    for (const { labels, value, metricName } of latency.values) {
      if (!metricName?.endsWith('_bucket')) continue;
      const direction = String(labels.direction);
      // prom-client's label type leaves out `le`, which it adds to every bucket.
      const le = (labels as { le?: string | number }).le;
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      const pairs = buckets.get(direction) ?? [];
      if (pairs.length === 0) buckets.set(direction, pairs);
      pairs.push([bound, value]);
    }
    const histograms = new Map<string, HistogramReading>();
    for (const [direction, pairs] of buckets) {
      pairs.sort((a, b) => a[0] - b[0]);
      histograms.set(direction, { bounds: pairs.map((p) => p[0]), cumulative: pairs.map((p) => p[1]) });
    }
    return { at, messages: perOperation, latency: histograms };
  }

  /** The charts as the dashboard draws them: the `operations` busiest operations by name, the others summed. */
  view(operations = DEFAULT_OPERATIONS): ChartsView {
    const { times, series } = this.ring.snapshot();
    const charts = Object.fromEntries(
      Object.entries(UNITS).map(([chart, unit]) => [chart, { unit, series: [] as ChartSeries[] }]),
    ) as ChartsView['charts'];
    for (const [key, values] of series) {
      const split = key.indexOf(':');
      const chart = charts[key.slice(0, split) as ChartName];
      chart?.series.push({ name: key.slice(split + 1), values: values.map(round) });
    }
    charts.messages.series = busiest(zeroBeforeFirst(charts.messages.series, times.length), operations, times.length);
    return { intervalSeconds: SAMPLE_INTERVAL_MS / 1000, times, charts };
  }
}

/**
 * An operation first seen at some sample had no messages at the samples before it where rates were taken (those where
 * another operation has a value): 0 there, not a gap, so that its line starts from the axis.
 */
function zeroBeforeFirst(series: ChartSeries[], length: number): ChartSeries[] {
  const rated = Array.from({ length }, (_, i) => series.some((s) => s.values[i] !== null));
  return series.map((s) => ({ name: s.name, values: s.values.map((v, i) => v ?? (rated[i] ? 0 : null)) }));
}

const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);
const total = (s: ChartSeries): number => s.values.reduce<number>((sum, v) => sum + (v ?? 0), 0);

/** The `keep` series with the largest totals (idle ones left out), then one series summing the rest. */
function busiest(series: ChartSeries[], keep: number, length: number): ChartSeries[] {
  const active = series
    .map((s) => ({ s, total: total(s) }))
    .filter((x) => x.total > 0)
    .sort((a, b) => b.total - a.total);
  const shown = active.slice(0, keep).map((x) => x.s);
  const rest = active.slice(keep).map((x) => x.s);
  if (rest.length === 0) return shown;
  const sum = Array.from({ length }, (_, i) =>
    rest.every((s) => s.values[i] === null) ? null : round(rest.reduce((acc, s) => acc + (s.values[i] ?? 0), 0)),
  );
  return [...shown, { name: OTHERS, values: sum }];
}

/** What the charts read of the gateway, at each sample (so its parts may be made after this). */
export interface ChartedGateway {
  readonly metrics: GatewayMetrics;
  readonly upstream: { entries(): Iterable<[string, ConnectionView]> };
  readonly queue: { stats(): Promise<{ depth: number }[]> };
  readonly registry: { readonly deadLetters: { list(): Promise<unknown[]> } };
}

/** The fleet charts and the charger timelines of a gateway; the charts sample once started. */
export function fleetCharts(
  gateway: ChartedGateway,
  logger: Logger,
): { fleet: FleetCharts; timeline: ChargerTimeline } {
  const timeline = new ChargerTimeline();
  const sources: ChartSources = {
    get metrics() {
      return gateway.metrics;
    },
    connections: () => gateway.upstream.entries(),
    queued: async () => (await gateway.queue.stats()).reduce((sum, q) => sum + q.depth, 0),
    deadLetters: async () => (await gateway.registry.deadLetters.list()).length,
  };
  return { fleet: new FleetCharts(sources, timeline, logger), timeline };
}

/** GET /api/charts and GET /api/chargers/:identity/timeline (README.md, "Operating the gateway"). */
export function chartsApi(charts: FleetCharts, timeline: ChargerTimeline): Router {
  const api = Router();
  api.get('/charts', (req, res) => {
    const raw = req.query.operations;
    const operations = raw === undefined ? DEFAULT_OPERATIONS : Number(raw);
    if (!Number.isInteger(operations) || operations < 1 || operations > 100)
      return void res.status(400).json({ error: 'operations must be an integer from 1 to 100' });
    res.json(charts.view(operations));
  });
  api.get('/chargers/:identity/timeline', (req, res) => {
    const raw = req.query.limit;
    const limit = raw === undefined ? undefined : Number(raw);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
      return void res.status(400).json({ error: 'limit must be an integer from 1 to 1000' });
    res.json({ identity: req.params.identity, events: timeline.events(req.params.identity, limit) });
  });
  return api;
}
