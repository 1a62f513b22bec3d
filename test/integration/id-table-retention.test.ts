import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inFreshNode } from '../helpers/fresh-node.js';

/**
 * Why per-message bookkeeping lives in an IdTable and not in a Map (src/util/id-table.ts; bench/README.md,
 * "Thirty-fifth round": the durable store's pending messages). A long-lived table that gains and loses one entry per
 * message is made old by two full collections, then 4,000 values of about 0.5 KB each go in and out of it, four at a
 * time as with messages in flight; three young collections follow, and the old space's growth is what they promoted.
 */
const promotedKb = (table: 'IdTable' | 'Map') => `
const v8 = await import('node:v8');
const { IdTable } = await import('./src/util/id-table.ts');
const table = ${table === 'Map' ? 'new Map()' : 'new IdTable()'};
for (let seq = 0; seq < 8; seq++) table.set(seq, { seq });
globalThis.gc();
globalThis.gc();
const oldSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
for (let seq = 8; seq < 4008; seq++) {
  table.set(seq, { payload: new Array(64).fill(seq) });
  table.delete(seq - 4);
}
const before = oldSpace();
for (let k = 0; k < 3; k++) globalThis.gc({ type: 'minor' });
console.log(String(Math.round((oldSpace() - before) / 1024)));
`;

describe('IdTable: values removed from a long-lived table are not promoted', () => {
  it('an old IdTable keeps nothing of the values it lost', async () => {
    const kb = Number(await inFreshNode(promotedKb('IdTable'), {}, '', ['--expose-gc']));
    assert.ok(kb < 50, `${kb} KB promoted`);
  });

  it('an old Map with the same churn keeps hundreds of KB of them alive into the old generation (the control)', async () => {
    const kb = Number(await inFreshNode(promotedKb('Map'), {}, '', ['--expose-gc']));
    assert.ok(kb > 200, `${kb} KB promoted`);
  });
});
