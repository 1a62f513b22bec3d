import { AsyncResource } from 'node:async_hooks';

let kept: object | undefined;

/**
 * Keeps one object shaped like node's `process.nextTick` entries alive for the life of the process, so that the hidden
 * classes V8 gives those entries are never collected (docs/architecture.md, "Design choices": the shape of node's tick
 * entries).
 *
 * `process.nextTick` builds each entry with an object literal whose first two keys are symbols. V8 adds such keys
 * through an inline cache that holds the hidden classes weakly and has no polymorphic state: one class it has not
 * seen turns it megamorphic for good, and every entry is then built in V8's runtime. While the gateway starts, the
 * entries' classes can be freed by a full collection at a moment when no entry is queued, and the ones made anew
 * replaced once more when a field's representation widens; from then on node's own stream and HTTP code paid about
 * 35 k instructions per message (5% of a message in the Redis mode, bench/README.md, "Thirty-fourth round"). An
 * object with the same keys in the same order, holding numbers that are not small integers as node's ids are (they
 * are read from a Float64Array), shares the entries' classes and keeps them alive. Returns it, or `undefined` when
 * this node's async resources do not carry the two symbols (then nothing is kept and nothing changes).
 */
export function keepTickObjectShape(): object | undefined {
  if (kept !== undefined) return kept;
  const symbols = Object.getOwnPropertySymbols(new AsyncResource('ocppgw-tick-shape'));
  const asyncId = symbols.find((s) => s.description === 'async_id_symbol');
  const triggerAsyncId = symbols.find((s) => s.description === 'trigger_async_id_symbol');
  if (asyncId === undefined || triggerAsyncId === undefined) return undefined;
  // The keys and their order are those of the literal in node's `process.nextTick`.
  kept = { [asyncId]: 0.5, [triggerAsyncId]: 0.5, callback: keepTickObjectShape, args: undefined };
  return kept;
}
