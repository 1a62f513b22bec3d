import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFlags } from '../../bench/processes.js';
import { inFreshNode } from '../helpers/fresh-node.js';

/**
 * V8 moves an object literal's allocations to the old generation once most of that literal's objects have outlived a
 * young collection taken at the young generation's full size, and keeps doing so. The gateway turns that off
 * (docs/architecture.md, "Design choices": no pretenured literals). Here one literal's objects are all kept through
 * thirty young collections of a young generation held at its maximum (1 MiB halves), then a hundred new ones are made
 * and counted in the young generation.
 */
const YOUNG_OF_100 = `
const make = (i) => ({ seq: i, text: 'x', next: null });
const inYoung = new Function('o', 'return %InYoungGeneration(o)');
const kept = [];
for (let round = 0; round < 30; round++) {
  for (let i = 0; i < 2000; i++) kept.push(make(i));
  globalThis.gc({ type: 'minor' });
}
let young = 0;
for (let i = 0; i < 100; i++) if (inYoung(make(i))) young++;
console.log(String(young));
`;

const TEST_FLAGS = ['--expose-gc', '--max-semi-space-size=1', '--min-semi-space-size=1'];

describe("the gateway's node flags: object literals stay in the young generation", () => {
  it('with the flags of npm start, a literal whose objects all lived long still allocates young', async () => {
    const flags = startFlags('.');
    assert.ok(flags.includes('--no-allocation-site-pretenuring'), `npm start's flags: ${flags.join(' ')}`);
    const young = Number(await inFreshNode(YOUNG_OF_100, {}, '', [...flags, ...TEST_FLAGS]));
    assert.equal(young, 100);
  });

  it('without that flag V8 allocates the same literal in the old generation (the control)', async () => {
    const flags = startFlags('.').filter((f) => f !== '--no-allocation-site-pretenuring');
    const young = Number(await inFreshNode(YOUNG_OF_100, {}, '', [...flags, ...TEST_FLAGS]));
    assert.ok(young < 50, `${young} of 100 in the young generation`);
  });
});
