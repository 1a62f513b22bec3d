import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId } from '../../../src/util/ids.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newId (random UUIDs as flat strings)', () => {
  it('makes version 4 UUIDs, unique across several batches of random bytes', () => {
    const ids = Array.from({ length: 2_000 }, () => newId());
    for (const id of ids) assert.match(id, UUID_V4);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('uses every hex digit in every free position (the random bytes reach the text)', () => {
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (let n = 0; n < 2_000; n++) for (const [i, c] of [...newId()].entries()) seen[i]!.add(c);
    for (const i of [0, 7, 9, 15, 20, 35]) assert.equal(seen[i]!.size, 16, `position ${i}`);
    assert.deepEqual([...seen[14]!], ['4']);
    assert.deepEqual([...seen[19]!].sort(), ['8', '9', 'a', 'b']);
    assert.deepEqual([...seen[8]!], ['-']);
  });
});
