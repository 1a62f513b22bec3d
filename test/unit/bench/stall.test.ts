import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recoveredAfter, stallRow, type StallRecovery } from '../../../bench/stall.js';

const second = (p50: number) => ({ sent: 100, errors: 0, p50, p99: p50 * 2, directShare: 1, cpuPerMessageUs: 500 });

describe('bench: recovery from a stall at half load', () => {
  it('counts from the end of the stall to the first of five fast seconds in a row', () => {
    // Seconds 0-3 before the stall, 4 the stall, from 5 on after it.
    const p50s = [1, 1, 1, 1, 900, 800, 300, 2, 40, 3, 2, 1, 1, 1, 700, 900];
    assert.equal(recoveredAfter(p50s, 5), 4, 'second 8 was slow again: recovered from second 9, a later stall aside');
    assert.equal(recoveredAfter([1, 900, 1, 1, 1, 1, 1], 2), 0, 'fast at once after the stall');
  });

  it('a queue that never catches up has not recovered, nor one with fewer fast seconds than the run needs', () => {
    assert.equal(recoveredAfter([1, 900, 1_500, 2_600, 3_900, 5_000, 6_100, 7_000], 2), undefined);
    assert.equal(recoveredAfter([1, 900, 1, 1, 1, 1, Number.NaN], 2), undefined);
  });

  it('the row says how long it took and checks it against the target', () => {
    const recovered: StallRecovery = {
      rate: 1_150,
      stallMs: 1_000,
      stallAtS: 1,
      seconds: [1, 950, 600, 4, 2].map(second),
      recoveredAfterS: 1,
    };
    const row = stallRow(recovered, (ok) => (ok ? 'met' : 'MISSED'));
    assert.equal(row[1], 'recovered in 1 s');
    assert.match(row[2]!, /^p50 of each second from the stall on: 950, 600, 4\.0, 2\.0 ms;/);
    assert.equal(row[4], 'met');
    const stuck = stallRow({ ...recovered, recoveredAfterS: undefined }, (ok) => (ok ? 'met' : 'MISSED'));
    assert.deepEqual([stuck[1], stuck[4]], ['not within 3 s', 'MISSED']);
  });
});
