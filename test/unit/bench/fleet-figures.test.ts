import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addedByApi, fleetApiRows, recordCost, throughputOf } from '../../../bench/fleet-figures.js';
import type { InstructionCount } from '../../../bench/instructions.js';

/** A count whose timer work was 100 k per message (taken off before two counts are compared). */
const count = (withoutTimersPerMessage: number, errors = 0): InstructionCount => ({
  perMessage: withoutTimersPerMessage + 100_000,
  withCompilerPerMessage: withoutTimersPerMessage * 2,
  fullCollectionsPerMessage: 0,
  withoutTimersPerMessage,
  idlePerSecond: 500_000,
  messages: 200,
  windows: 1,
  compilerShare: 0.05,
  errors,
});

describe('fleet API bench figures', () => {
  it('bytes per sample come from the difference between the batches, the rest of a session is its fixed part', () => {
    // 100 sessions of 2 samples add 100 * (300 + 2 * 50) bytes; 100 of 12 add 100 * (300 + 12 * 50).
    const cost = recordCost({ before: 5_000, afterFew: 45_000, afterMany: 135_000 }, 100, 2, 12);
    assert.equal(cost.perSample, 50);
    assert.equal(cost.fixedPerSession, 300);
    assert.equal(cost.perSession, 900);
  });

  it('refuses batches that cannot separate sessions from samples', () => {
    const sizes = { before: 0, afterFew: 1, afterMany: 2 };
    assert.throws(() => recordCost(sizes, 0, 2, 12));
    assert.throws(() => recordCost(sizes, 10, 12, 12));
  });

  it('throughput: the median of the rounds on / off ratios, not the ratio of the medians', () => {
    // Round 2 lands in a stall of the machine on both sides: its ratio is what counts, not its absolute figures.
    const t = throughputOf('embedded (durable)', [1000, 400, 1100], [970, 390, 900]);
    assert.deepEqual(
      t.rounds.ratio.map((x) => +x.toFixed(3)),
      [0.97, 0.975, 0.818],
    );
    assert.equal(t.ratio, 0.97);
    assert.equal(t.off, 1000);
    assert.equal(t.on, 900);
    assert.throws(() => throughputOf('x', [1], [1, 2]));
    assert.throws(() => throughputOf('x', [], []));
  });

  it('the added instructions are a share of the message with the API off, the timer work left out', () => {
    const added = addedByApi({ off: count(1_000_000), on: count(1_040_000) });
    assert.equal(added.instructions, 40_000);
    assert.equal(added.share, 0.04);
  });

  it('rows check the 5% target; a count with errors and a single pair of windows are not judged', () => {
    const rows = fleetApiRows({
      throughput: [
        throughputOf('Redis', [1000, 1000, 1000], [940, 960, 930]),
        throughputOf('embedded (durable)', [1000], [900]),
      ],
      counts: {
        'embedded (durable), a charger day': {
          off: count(1_000_000),
          on: count(1_030_000),
          changes: [0.061, 0.03, 0.004],
        },
        'embedded (durable), MeterValues only': { off: count(800_000), on: count(900_000) },
        'Redis, a charger day': { off: count(1_600_000, 3), on: count(1_650_000) },
      },
      records: [],
    });
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r.at(-1)]),
      [
        ['fleet API on, Redis: throughput', '940 msg/s', 'MISSED'],
        // One pair of windows (--quick) is shown, not judged.
        ['fleet API on, embedded (durable): throughput', '900 msg/s', ''],
        ['fleet API on, embedded (durable), a charger day: instructions per message', '+3.0% (+30 k)', 'met'],
        ['fleet API on, embedded (durable), MeterValues only: instructions per message', '+12.5% (+100 k)', 'MISSED'],
        ['fleet API on, Redis, a charger day: instructions per message', '+3.1% (+50 k)', ''],
      ],
    );
    assert.match(rows[4]![2]!, /3 errors \(not valid\)/);
    assert.match(rows[2]![2]!, /^1030 k on \/ 1000 k off without timer work \(1130 k \/ 1100 k with it\)/);
    // A first pair near the target was counted twice more: the row says which pairs its median came from.
    assert.match(rows[2]![2]!, /side by side \(the median of 3 pairs: \+6\.1%, \+3\.0%, \+0\.4%\);/);
    assert.doesNotMatch(rows[3]![2]!, /median of/);
    assert.match(rows[1]![2]!, /one round: see the counts$/);
  });

  it('a record row gives bytes per session and per sample, in the store and as JSON', () => {
    const cost = recordCost({ before: 0, afterFew: 40_000, afterMany: 130_000 }, 100, 2, 12);
    const payloadCost = recordCost({ before: 0, afterFew: 20_000, afterMany: 70_000 }, 100, 2, 12);
    const [row] = fleetApiRows({
      throughput: [],
      counts: {},
      records: [
        {
          store: 'Redis',
          sessions: 100,
          few: 2,
          many: 12,
          sizes: { before: 0, afterFew: 40_000, afterMany: 130_000 },
          cost,
          payload: { before: 0, afterFew: 20_000, afterMany: 70_000 },
          payloadCost,
        },
      ],
    });
    assert.equal(row![1], '900 B / 50 B');
    assert.match(
      row![2]!,
      /^100 sessions of 12 samples against 100 of 2; fixed 300 B per session; JSON payload 500 B per session, 30 B per sample$/,
    );
  });
});
