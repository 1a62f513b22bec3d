import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { LatencyHistogram } from '../../../src/admin/latency-histogram.js';
import { Tally } from '../../../src/admin/tally.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

/** The per-message metrics' fast paths expose what prom-client's own classes would, for the same observations. */
describe('per-message metrics: the same exposition as prom-client', () => {
  it('LatencyHistogram: the same /metrics text and get() values as a prom-client Histogram', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({
      name: 'h_seconds',
      help: 'x',
      labelNames: ['direction'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    const fast = new LatencyHistogram('h_seconds', 'x', 'direction', BUCKETS, ours);
    assert.equal(await ours.metrics(), await theirs.metrics(), 'no series before the first observation');
    const kept = fast.series('csms_to_charger');
    // On the bounds, between them, past the last one, and zero; the second direction first seen later.
    for (const v of [0.001, 0.0005, 0, 0.003, 20, 21, 7.5, 0.001]) {
      reference.observe({ direction: 'csms_to_charger' }, v);
      kept.observe(v);
    }
    for (const v of [0.2, 0.0101]) {
      reference.observe({ direction: 'charger_to_csms' }, v);
      fast.observe({ direction: 'charger_to_csms' }, v);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.deepEqual(await fast.get(), await reference.get());
    assert.throws(() => kept.observe(Number.NaN), TypeError);
    ours.resetMetrics();
    theirs.resetMetrics();
    assert.equal(await ours.metrics(), await theirs.metrics(), 'reset empties every series');
    kept.observe(0.002);
    reference.observe({ direction: 'csms_to_charger' }, 0.002);
    assert.equal(await ours.metrics(), await theirs.metrics(), 'a series kept by a caller still counts after a reset');
  });

  it('Tally: counted in plain numbers, added to the counter whenever it is read, beside its own inc', async () => {
    const registry = new Registry();
    const tally: { t?: Tally } = {};
    const counter = new Counter({
      name: 'm_total',
      help: 'x',
      labelNames: ['operation', 'direction', 'outcome'],
      registers: [registry],
      collect: () => tally.t!.flush(),
    });
    tally.t = new Tally(counter, ['operation', 'direction', 'outcome']);
    for (let i = 0; i < 3; i++) tally.t.inc('Heartbeat', 'charger_to_csms', 'forwarded');
    tally.t.inc('MeterValues', 'charger_to_csms', 'forwarded');
    counter.inc({ operation: 'Heartbeat', direction: 'charger_to_csms', outcome: 'forwarded' }, 2);
    const values = async () => (await counter.get()).values.map((v) => [v.labels.operation, v.labels.outcome, v.value]);
    assert.deepEqual(await values(), [
      ['Heartbeat', 'forwarded', 5],
      ['MeterValues', 'forwarded', 1],
    ]);
    tally.t.inc('Heartbeat', 'charger_to_csms', 'answered_by_gateway');
    tally.t.inc('MeterValues', 'charger_to_csms', 'forwarded');
    assert.match(
      await registry.metrics(),
      /m_total\{operation="MeterValues",direction="charger_to_csms",outcome="forwarded"\} 2/,
    );
    assert.deepEqual(
      await values(),
      [
        ['Heartbeat', 'forwarded', 5],
        ['MeterValues', 'forwarded', 2],
        ['Heartbeat', 'answered_by_gateway', 1],
      ],
      'each increment counted once, however often the counter is read',
    );
  });
});
