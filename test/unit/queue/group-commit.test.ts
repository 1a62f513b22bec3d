import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from '../../../src/queue/group-commit.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit (one Redis write for the messages of one partition that arrive together)', () => {
  it('hands items added in the same turn to one flush per key, in order', async () => {
    const flushed: [string, number[]][] = [];
    const batcher = new GroupCommit<string, number>(100, (key, items) => void flushed.push([key, items]));
    for (let i = 0; i < 6; i++) batcher.add(i % 2 === 0 ? 'even' : 'odd', i);
    assert.deepEqual(flushed, [], 'nothing is flushed before the turn ends');
    assert.equal(batcher.pending, 6);
    await nextTurn();
    assert.deepEqual(flushed, [
      ['even', [0, 2, 4]],
      ['odd', [1, 3, 5]],
    ]);
    assert.equal(batcher.pending, 0);
  });

  it('flushes a batch at once when it reaches its size, and starts a new one', async () => {
    const flushed: number[][] = [];
    const batcher = new GroupCommit<number, number>(3, (_key, items) => void flushed.push(items));
    for (let i = 0; i < 7; i++) batcher.add(0, i);
    assert.deepEqual(flushed, [
      [0, 1, 2],
      [3, 4, 5],
    ]);
    await nextTurn();
    assert.deepEqual(flushed.at(-1), [6]);
  });

  it('a lone item is flushed in the next turn, without waiting for company', async () => {
    const flushed: number[][] = [];
    const batcher = new GroupCommit<number, number>(50, (_key, items) => void flushed.push(items));
    batcher.add(1, 42);
    await nextTurn();
    assert.deepEqual(flushed, [[42]]);
    batcher.add(1, 43);
    batcher.flushAll();
    assert.deepEqual(flushed, [[42], [43]]);
  });

  it("while a key's write is under way, its new items wait and go out together when it completes", async () => {
    const flushed: number[][] = [];
    const writes: (() => void)[] = [];
    const batcher = new GroupCommit<string, number>(100, (_key, items) => {
      flushed.push(items);
      return new Promise<void>((resolve) => writes.push(resolve));
    });
    batcher.add('p', 1);
    await nextTurn();
    assert.deepEqual(flushed, [[1]]);
    for (let i = 2; i <= 5; i++) {
      batcher.add('p', i);
      await nextTurn();
    }
    assert.deepEqual(flushed, [[1]], 'nothing more is written while the first write is under way');
    writes.shift()!();
    await nextTurn();
    assert.deepEqual(flushed, [[1], [2, 3, 4, 5]]);
    batcher.add('q', 9);
    await nextTurn();
    assert.deepEqual(flushed.at(-1), [9], 'another key is not held back');
    writes.shift()!();
    await nextTurn();
    batcher.add('p', 6);
    await nextTurn();
    assert.deepEqual(flushed.at(-1), [6], 'an idle key is written in the next turn again');
  });

  it('refuses a batch size below one', () => {
    assert.throws(() => new GroupCommit(0, () => undefined), RangeError);
  });
});
