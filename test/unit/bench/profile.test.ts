import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selfTimes } from '../../../bench/profile.js';

describe('bench profile summary', () => {
  it('sums each function’s sampled time over its nodes, as shares, largest first', () => {
    const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('record', 'file:///gw/dist/admin/trace.js', 106) },
        { id: 3, callFrame: frame('record', 'file:///gw/dist/admin/trace.js', 106) },
        { id: 4, callFrame: frame('', 'file:///gw/dist/main.js', 9) },
        { id: 5, callFrame: frame('(garbage collector)') },
      ],
      samples: [2, 3, 4, 5, 2],
      timeDeltas: [10, 30, 20, 20, 20],
    };
    assert.deepEqual(selfTimes(profile), [
      { name: 'record trace.js:107', share: 0.6 },
      { name: '(anonymous) main.js:10', share: 0.2 },
      { name: '(garbage collector)', share: 0.2 },
    ]);
  });
});
