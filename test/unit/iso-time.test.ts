import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoTime } from '../../src/util/iso-time.js';

describe('isoTime', () => {
  it('matches toISOString across days, leap days, centuries and the ends of the fast range', () => {
    const edges = [
      0,
      1,
      999,
      86_399_999,
      86_400_000,
      Date.parse('2024-02-29T23:59:59.999Z'),
      Date.parse('2024-03-01T00:00:00.000Z'),
      Date.parse('2000-02-29T12:00:00.000Z'),
      Date.parse('2100-03-01T00:00:00.000Z'),
      Date.parse('9999-12-31T23:59:59.999Z'),
      1_700_000_000_123.9,
    ];
    for (const ms of edges) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  });

  it('matches toISOString for random times, in and out of order', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(next() * 253_402_300_800_000);
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
      assert.equal(isoTime(ms + 1), new Date(ms + 1).toISOString(), 'the same day again');
    }
  });

  it('leaves times outside 1970 to 9999 to V8, errors included', () => {
    for (const ms of [-1, -86_400_001, 253_402_300_800_000, 8.64e15])
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    assert.throws(() => isoTime(Number.NaN), RangeError);
  });
});
