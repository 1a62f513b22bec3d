import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdTable } from '../../../src/util/id-table.js';

describe('IdTable (per-message bookkeeping without Map churn)', () => {
  it('keeps, replaces and forgets entries, and counts them', () => {
    const table = new IdTable<number>();
    assert.equal(table.size, 0);
    table.set('a', 1).set('b', 2).set('a', 3);
    assert.equal(table.size, 2);
    assert.equal(table.get('a'), 3);
    assert.equal(table.has('b'), true);
    assert.equal(table.delete('b'), true);
    assert.equal(table.delete('b'), false);
    assert.equal(table.size, 1);
    assert.equal(table.has('b'), false);
    assert.equal(table.get('b'), undefined);
    table.clear();
    assert.equal(table.size, 0);
    assert.equal(table.has('a'), false);
  });

  it('treats keys that name Object.prototype members as ordinary keys', () => {
    const table = new IdTable<string>();
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.equal(table.has(key), false, key);
      assert.equal(table.get(key), undefined, key);
      table.set(key, `v-${key}`);
    }
    assert.equal(table.size, 4);
    assert.equal(table.get('__proto__'), 'v-__proto__');
    assert.deepEqual(table.keys().sort(), ['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
  });

  it('lists copies: entries may be deleted while the list is walked', () => {
    const table = new IdTable<number>();
    for (let i = 0; i < 100; i++) table.set(`job-${i}`, i);
    let seen = 0;
    for (const key of table.keys()) {
      table.delete(key);
      seen++;
    }
    assert.equal(seen, 100);
    assert.equal(table.size, 0);
    assert.deepEqual(table.values(), []);
  });

  it('stays consistent through heavy churn (one entry in, one out, per message)', () => {
    const table = new IdTable<number>();
    const model = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const key = `job-${i}`;
      table.set(key, i);
      model.set(key, i);
      const old = `job-${i - 3 - (i % 5)}`;
      assert.equal(table.delete(old), model.delete(old));
    }
    assert.equal(table.size, model.size);
    assert.deepEqual(
      table.values().sort((a, b) => a - b),
      [...model.values()].sort((a, b) => a - b),
    );
  });

  it('takes numeric keys and lists their values in ascending key order, as the store commits its queued messages', () => {
    const table = new IdTable<number, number>();
    const model = new Map<number, number>();
    // Sequence numbers grow for good while a few entries are kept at any time (most go before their commit).
    for (let seq = 1; seq <= 200_000; seq++) {
      table.set(seq, seq);
      model.set(seq, seq);
      if (seq % 7 !== 0) {
        const old = seq - (seq % 4);
        assert.equal(table.delete(old), model.delete(old));
      }
      if (seq % 50_000 === 0) assert.deepEqual(table.values(), [...model.values()]);
    }
    assert.equal(table.size, model.size);
    assert.equal(table.has(7), model.has(7));
    assert.deepEqual(table.values(), [...model.values()]);
    assert.deepEqual(table.keys(), [...model.keys()].map(String));
  });
});
