import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dumpInstructions, isHot, parseCallGraph } from '../../../bench/callgrind-dump.js';
import { changeOf, type InstructionCount, medianPair } from '../../../bench/instructions.js';

/**
 * A dump in callgrind's format, as valgrind writes it: names compressed as `(id) name` on first use, own costs as
 * `<line> <Ir>`, and after `calls=` the inclusive cost of those calls. A full collection (the sweeper) and the
 * scavenger both call one helper; the compiler has a function of its own; JIT code is an address.
 */
const DUMP = `# callgrind format
version: 1
positions: line
events: Ir
summary: 10000

ob=(1) /usr/bin/node
fl=(1) ???
fn=(1) v8::internal::Sweeper::RawSweep(v8::internal::Page*)
0 1000
cfn=(2) v8::internal::HeapObject::SizeFromMap(v8::internal::Map) const
calls=30 0
0 300

fn=(3) heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>()
0 2000
cfn=(2)
calls=10 0
0 100

fn=(2)
0 400

fn=(4) v8::internal::compiler::GraphReducer::ReduceTop()
0 700
+3 50

fn=(5) 0x000000000d330400
0 5000
cfn=(4)
calls=1 0
* 750

fn=(6) void v8::internal::IncrementalMarking::AdvanceOnAllocation()
0 250
cfn=(7) v8::internal::ConcurrentMarkingVisitor::ShouldVisit(v8::internal::HeapObject)
calls=2 0
0 80
fn=(7)
0 80
totals: 10000
`;

describe('bench: a callgrind dump read through its call graph', () => {
  it("reads each function's own cost and the inclusive cost of each call", () => {
    const graph = parseCallGraph(DUMP);
    assert.equal(graph.total, 10_000);
    const fn = (prefix: string) => graph.functions.find((f) => f.name.includes(prefix))!;
    assert.equal(fn('SizeFromMap').self, 400);
    assert.equal(fn('ReduceTop').self, 750);
    assert.deepEqual(
      [...fn('SizeFromMap').callers].map(([caller, cost]) => [caller.name.slice(0, 30), cost]),
      [
        ['v8::internal::Sweeper::RawSwee', 300],
        ['heap::base::SlotCallbackResult', 100],
      ],
    );
  });

  it("sets the compiler's and the full collections' instructions apart, a shared helper by its callers' shares", () => {
    const d = dumpInstructions(DUMP);
    assert.equal(d.total, 10_000);
    assert.equal(d.compiler, 750);
    // Sweeping and incremental marking in full; three quarters of the helper's 400, as 300 of its 400 came from the
    // sweeper; the scavenger's own work stays in the count: every message pays for it.
    assert.equal(d.fullCollections, 1000 + 250 + 80 + 300);
  });

  it('takes a window as hot only once the compiler has settled under the given share', () => {
    const d = dumpInstructions(DUMP);
    // The compiler took 750 of 10,000: 7.5%.
    assert.equal(isHot(d, 0.1), true);
    assert.equal(isHot(d, 0.05), false);
    assert.equal(isHot({ total: 0, compiler: 0, fullCollections: 0 }, 0.1), false);
  });
});

describe('bench: pairs of counts', () => {
  const count = (withoutTimersPerMessage: number): InstructionCount => ({
    perMessage: withoutTimersPerMessage,
    withCompilerPerMessage: withoutTimersPerMessage,
    fullCollectionsPerMessage: 0,
    withoutTimersPerMessage,
    idlePerSecond: 0,
    messages: 1_000,
    windows: 1,
    compilerShare: 0,
    errors: 0,
  });
  const pair = (base: number, changed: number) => ({ base: count(base), changed: count(changed) });

  it("a pair's change is the changed gateway's count over the base one's", () => {
    assert.ok(Math.abs(changeOf(pair(1_000, 1_050)) - 0.05) < 1e-12);
    assert.ok(Math.abs(changeOf(pair(1_000, 900)) + 0.1) < 1e-12);
  });

  it('the median pair is the one with the middle change, whatever the counts themselves', () => {
    // Changes +30%, -2%, +4%: the median is +4%, the pair with neither the highest nor the lowest counts.
    const pairs = [pair(1_000, 1_300), pair(2_000, 1_960), pair(1_500, 1_560)];
    assert.equal(medianPair(pairs), pairs[2]);
    assert.equal(medianPair([pairs[0]!]), pairs[0]);
  });
});
