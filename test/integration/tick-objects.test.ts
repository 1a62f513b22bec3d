import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inFreshNode } from '../helpers/fresh-node.js';

/**
 * `sameClass(a, b)`: whether V8 gives both objects one hidden class. `tickEntry()`: one of the entries
 * `process.nextTick` queues, caught by an async hook that is on only for that call.
 */
const PRELUDE = `
const sameClass = new Function('a', 'b', 'return %HaveSameMap(a, b)');
const collect = new Function('%CollectGarbage(0)');
const { createHook } = await import('node:async_hooks');
const tickEntry = () => {
  let entry;
  const hook = createHook({ init(_id, type, _trigger, resource) { if (type === 'TickObject') entry = resource; } });
  hook.enable();
  process.nextTick(() => {});
  hook.disable();
  return entry;
};
`;

/** The shape of node's tick entries (docs/architecture.md, "Design choices"). */
describe('node tick entries keep their hidden classes', () => {
  it('keepTickObjectShape keeps an object of the entries own class, through full collections with none queued', async () => {
    const out = await inFreshNode(
      `
      const { keepTickObjectShape } = await import('./src/util/tick-objects.ts');
      const kept = keepTickObjectShape();
      if (typeof kept !== 'object') throw new Error('nothing kept: ' + typeof kept);
      const first = sameClass(kept, tickEntry());
      // Each collection after a turn in which the tick queue has drained: no entry is alive but the kept object.
      for (let i = 0; i < 4; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        collect();
      }
      const reordered = { callback: kept.callback, args: undefined, ...kept };
      console.log(JSON.stringify({
        first,
        afterCollections: sameClass(kept, tickEntry()),
        once: keepTickObjectShape() === kept,
        reordered: sameClass(reordered, tickEntry()),
      }));
    `,
      {},
      PRELUDE,
    );
    // reordered is the control: the same keys in another order make another class, which the check must tell apart.
    assert.deepEqual(JSON.parse(out), { first: true, afterCollections: true, once: true, reordered: false });
  });
});
