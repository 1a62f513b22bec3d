import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selfTimes, selfTimesByFile } from '../../../bench/profile.js';
import { commandCalls } from '../../../bench/redis-commands.js';

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

  it('sums self time per file, a dependency under its package name', () => {
    const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('a', 'file:///gw/node_modules/ioredis/built/Redis.js') },
        { id: 2, callFrame: frame('b', 'file:///gw/node_modules/ioredis/built/Command.js') },
        { id: 3, callFrame: frame('c', 'file:///gw/node_modules/@bull-board/api/x.js') },
        { id: 4, callFrame: frame('record', 'file:///gw/dist/admin/trace.js') },
        { id: 5, callFrame: frame('(garbage collector)') },
      ],
      samples: [1, 2, 3, 4, 5],
      timeDeltas: [10, 20, 10, 40, 20],
    };
    assert.deepEqual(
      selfTimesByFile(profile),
      [
        { name: 'admin/trace.js', share: 0.4 },
        { name: 'ioredis', share: 0.3 },
        { name: '@bull-board/api', share: 0.1 },
        { name: '(garbage collector)', share: 0.2 },
      ].sort((x, y) => y.share - x.share),
    );
  });
});

describe('bench Redis command counts', () => {
  it('reads the calls of each command from INFO commandstats', () => {
    const info = '# Commandstats\r\ncmdstat_evalsha:calls=12,usec=40\r\ncmdstat_memory|usage:calls=3,usec=1\r\n';
    assert.deepEqual(
      [...commandCalls(info)],
      [
        ['evalsha', 12],
        ['memory|usage', 3],
      ],
    );
  });
});
