import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, pairedAdded } from '../../../bench/stats.js';

describe('bench statistics', () => {
  it('median of odd and even counts, unsorted input left as it was', () => {
    const values = [9, 1, 5];
    assert.equal(median(values), 5);
    assert.deepEqual(values, [9, 1, 5]);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('added latency is the median of the per-round differences; a stalled window moves only its round', () => {
    // Round 2: the machine stalls during the gateway window; round 4: during the bare SOAP window.
    const gateway = { p50: [1.0, 6.0, 1.2, 1.1, 0.9], p99: [8, 400, 9, 7, 10] };
    const bareSoap = { p50: [0.4, 0.5, 0.6, 5.0, 0.3], p99: [4, 5, 6, 300, 3] };
    const bareJson = { p50: [0.1, 0.1, 0.2, 0.1, 0.1], p99: [1, 1, 2, 1, 1] };
    const { added, p50, p99 } = pairedAdded(gateway, bareSoap, bareJson);
    assert.deepEqual(added.p99, [3, 394, 1, -294, 6]);
    assert.equal(p99, 3);
    assert.deepEqual(
      added.p50.map((x) => +x.toFixed(2)),
      [0.5, 5.4, 0.4, -4.0, 0.5],
    );
    assert.equal(+p50.toFixed(2), 0.5);
  });

  it('refuses rounds that are not paired', () => {
    assert.throws(
      () => pairedAdded({ p50: [1, 2], p99: [1, 2] }, { p50: [1], p99: [1] }, { p50: [1, 2], p99: [1, 2] }),
      /paired rounds/,
    );
  });
});
