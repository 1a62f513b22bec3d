import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareText } from '../../../src/util/order.js';

describe('compareText', () => {
  it('sorts the gateway timestamps by time, and other text by code unit, not by a locale', () => {
    const times = ['2026-12-06T18:52:08.330Z', '2026-12-06T09:00:00.000Z', '2026-12-06T18:52:08.031Z'];
    assert.deepEqual([...times].sort(compareText), [
      '2026-12-06T09:00:00.000Z',
      '2026-12-06T18:52:08.031Z',
      '2026-12-06T18:52:08.330Z',
    ]);
    // A collation (localeCompare) puts 'a' before 'B'; code units put 'B' (0x42) first.
    assert.deepEqual(['a', 'B', 'b', 'A'].sort(compareText), ['A', 'B', 'a', 'b']);
    assert.equal(compareText('same', 'same'), 0);
  });
});
