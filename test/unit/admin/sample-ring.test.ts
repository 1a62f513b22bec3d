import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChartSources, FleetCharts } from '../../../src/admin/fleet-charts.js';
import { GatewayMetrics } from '../../../src/admin/metrics.js';
import {
  quantileBetween,
  ratesBetween,
  SAMPLE_INTERVAL_MS,
  SAMPLES,
  SampleRing,
} from '../../../src/admin/sample-ring.js';
import { ChargerTimeline, type ConnectionView } from '../../../src/admin/timeline.js';
import { createLogger } from '../../../src/util/log.js';

const values = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('sample ring (fixed memory: samples x series)', () => {
  it('keeps the newest samples oldest first, with null where a series had no value', () => {
    const ring = new SampleRing(3);
    ring.push(1_000, values({ a: 1 }));
    ring.push(2_000, values({ a: 2, b: 20 }));
    assert.deepEqual(ring.snapshot().times, [1, 2]);
    assert.deepEqual(ring.snapshot().series.get('b'), [null, 20]);
    ring.push(3_000, values({ b: 30 }));
    ring.push(4_000, values({ a: 4 }));
    const { times, series } = ring.snapshot();
    assert.deepEqual(times, [2, 3, 4]);
    assert.deepEqual(series.get('a'), [2, null, 4]);
    assert.deepEqual(series.get('b'), [20, 30, null]);
    assert.equal(ring.size, 3);
  });

  it('gives no new series a place past maxSeries, and counts the values it refused', () => {
    const ring = new SampleRing(4, 2);
    ring.push(1_000, values({ a: 1, b: 2, c: 3 }));
    ring.push(2_000, values({ c: 3, d: 4 }));
    assert.deepEqual([...ring.snapshot().series.keys()], ['a', 'b']);
    assert.equal(ring.refused, 3);
  });

  it('rates between counter readings; a counter that went down started again from zero', () => {
    const rates = ratesBetween(values({ a: 100, b: 50 }), values({ a: 200, b: 20, c: 10 }), 10);
    assert.deepEqual(Object.fromEntries(rates), { a: 10, b: 2, c: 1 });
  });

  it('quantiles of the observations between two histogram readings, interpolated inside a bucket', () => {
    const bounds = [0.01, 0.1, 1, Number.POSITIVE_INFINITY];
    const before = { bounds, cumulative: [5, 5, 5, 5] };
    // Since before: 50 in (0, 0.01], 40 in (0.01, 0.1], 10 in (0.1, 1].
    const after = { bounds, cumulative: [55, 95, 105, 105] };
    assert.equal(quantileBetween(before, after, 0.5), 0.01);
    assert.ok(Math.abs(quantileBetween(before, after, 0.25) - 0.005) < 1e-12);
    assert.ok(Math.abs(quantileBetween(before, after, 0.99) - (0.1 + 0.9 * 0.9)) < 1e-9);
    assert.ok(Number.isNaN(quantileBetween(after, after, 0.5)), 'nothing observed in between');
    // Past the last finite bound: that bound, the most the histogram knows.
    assert.equal(quantileBetween(undefined, { bounds, cumulative: [0, 0, 0, 3] }, 0.99), 1);
  });
});

describe('fleet charts over 10,000 chargers', () => {
  /** 10,000 chargers' traffic in one sample: counters as the gateway increments them, and every CSMS connection. */
  function fleet() {
    const metrics = new GatewayMetrics(async () => {
      throw new Error('not scraped here');
    });
    const connections = new Map<
      string,
      { isOpen: boolean; connectedAt?: string; lastError?: { message: string; at: string } }
    >();
    for (let i = 0; i < 10_000; i++)
      connections.set(`CP-${i}`, { isOpen: true, connectedAt: '2026-01-01T00:00:00.000Z' });
    let queued = 0;
    const sources: ChartSources = {
      metrics,
      connections: () => connections.entries() as Iterable<[string, ConnectionView]>,
      queued: async () => queued,
      deadLetters: async () => 7,
    };
    const timeline = new ChargerTimeline({ perCharger: 8, chargers: 500 });
    const charts = new FleetCharts(sources, timeline, createLogger('silent'));
    // Per 10 s: 12 operations, the busiest at 12 x 1,000 messages/s (10,000 chargers), the quietest at 1,000/s.
    const traffic = () => {
      for (let k = 1; k <= 12; k++)
        metrics.messages.inc(
          { operation: `Operation${k}`, direction: 'charger_to_csms', outcome: 'forwarded' },
          k * 10_000,
        );
      for (let i = 0; i < 100; i++) metrics.latency.observe({ direction: 'charger_to_csms' }, i < 98 ? 0.002 : 3);
      queued += 10;
    };
    return { charts, metrics, timeline, connections, traffic };
  }

  it('keeps one hour (360 samples), shows the 8 busiest operations and sums the others, whatever the fleet size', async () => {
    const { charts, traffic } = fleet();
    const start = Date.parse('2026-01-01T00:00:00Z');
    const began = performance.now();
    for (let i = 0; i < SAMPLES + 40; i++) {
      if (i > 0) traffic();
      await charts.sample(start + i * SAMPLE_INTERVAL_MS);
    }
    const sampling = (performance.now() - began) / (SAMPLES + 40);
    const view = charts.view();
    assert.equal(view.times.length, SAMPLES);
    assert.equal(view.times[0], (start + 40 * SAMPLE_INTERVAL_MS) / 1000);
    assert.equal(view.intervalSeconds, 10);
    const names = view.charts.messages.series.map((s) => s.name);
    assert.deepEqual(names, [...[12, 11, 10, 9, 8, 7, 6, 5].map((k) => `Operation${k}`), 'all other operations']);
    assert.ok(view.charts.messages.series[0]!.values.every((v) => v === 12_000));
    // Operation1 to 4: 1,000 + 2,000 + 3,000 + 4,000 per second.
    assert.ok(view.charts.messages.series[8]!.values.every((v) => v === 10_000));
    const latency = Object.fromEntries(view.charts.latency.series.map((s) => [s.name, s.values.at(-1)]));
    assert.ok(latency['p50 charger → CSMS']! > 1 && latency['p50 charger → CSMS']! <= 2.5, String(latency));
    assert.ok(latency['p99 charger → CSMS']! >= 2_500, 'the slow 2 % reach p99');
    assert.equal(latency['p50 CSMS → charger'], undefined, 'no series for a direction without traffic');
    const backlog = Object.fromEntries(view.charts.backlog.series.map((s) => [s.name, s.values.at(-1)]));
    assert.deepEqual(backlog, { queued: (SAMPLES + 39) * 10, 'dead letters': 7 });
    assert.deepEqual(
      view.charts.connections.series.map((s) => [s.name, s.values.at(-1)]),
      [['CSMS connections open', 10_000]],
    );
    const bytes = JSON.stringify(view).length;
    assert.ok(bytes < 150_000, `the answer stays small: ${bytes} bytes`);
    assert.ok(sampling < 50, `one sample of 10,000 connections took ${sampling.toFixed(1)} ms`);
  });

  it('an operation first seen at a later sample starts from 0, not from a gap; the first sample has no rates', async () => {
    const { charts, metrics } = fleet();
    const at = Date.parse('2026-01-01T02:00:00Z');
    const inc = (operation: string, n: number) =>
      metrics.messages.inc({ operation, direction: 'charger_to_csms', outcome: 'forwarded' }, n);
    await charts.sample(at);
    inc('Heartbeat', 10);
    await charts.sample(at + SAMPLE_INTERVAL_MS);
    inc('Heartbeat', 20);
    inc('MeterValues', 50);
    await charts.sample(at + 2 * SAMPLE_INTERVAL_MS);
    const series = Object.fromEntries(charts.view().charts.messages.series.map((s) => [s.name, s.values]));
    assert.deepEqual(series, { MeterValues: [null, 0, 5], Heartbeat: [null, 1, 2] });
  });

  it('drops of CSMS connections land on those chargers timelines, within the timelines charger bound', async () => {
    const { charts, timeline, connections } = fleet();
    const now = Date.parse('2026-01-01T01:00:00Z');
    await charts.sample(now);
    assert.equal(timeline.chargers, 500, 'every open connection seen once, the newest 500 chargers kept');
    assert.deepEqual(
      timeline.events('CP-9999').map((e) => e.kind),
      ['csms-open'],
    );
    assert.deepEqual(timeline.events('CP-0'), [], 'pushed out by newer chargers');
    for (let i = 0; i < 100; i++)
      Object.assign(connections.get(`CP-${i}`)!, {
        isOpen: false,
        lastError: { message: 'closed with code 1006', at: '2026-01-01T01:00:05.000Z' },
      });
    await charts.sample(now + SAMPLE_INTERVAL_MS);
    assert.equal(charts.view().charts.connections.series[0]!.values.at(-1), 9_900);
    assert.deepEqual(timeline.events('CP-0'), [
      { at: '2026-01-01T01:00:05.000Z', kind: 'csms-drop', detail: 'closed with code 1006' },
    ]);
    assert.equal(timeline.chargers, 500);
    await charts.sample(now + 2 * SAMPLE_INTERVAL_MS);
    assert.equal(timeline.events('CP-0').length, 1, 'a connection still down is not dropped again');
  });
});
