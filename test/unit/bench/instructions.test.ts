import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addAnnotatedLine, type DumpInstructions } from '../../../bench/instructions.js';

/** Lines as `callgrind_annotate` prints them (own cost, share, file:function [object]). */
const ANNOTATED = `
1,029,397,435 (100.0%)  PROGRAM TOTALS
29,186,605 ( 2.84%)  ???:void v8::internal::MarkingVisitorBase<v8::internal::ConcurrentMarkingVisitor, v8::internal::ConcurrentMarkingState>::ProcessStrongHeapObject() [/usr/bin/node]
20,879,092 ( 2.03%)  ???:v8::internal::ConcurrentMarking::RunMajor(v8::JobDelegate*, unsigned int, bool) [/usr/bin/node]
17,400,965 ( 1.69%)  ???:v8::internal::Sweeper::RawSweep(v8::internal::Page*, v8::internal::FreeSpaceTreatmentMode) [/usr/bin/node]
25,998,000 ( 2.53%)  ???:0x000000000d330400 [???]
15,831,474 ( 1.54%)  ???:Builtins_LoadIC [/usr/bin/node]
12,380,850 ( 1.20%)  ???:v8::internal::compiler::GraphReducer::ReduceTop() [/usr/bin/node]
 1,000,000 ( 0.10%)  ???:v8::internal::maglev::MaglevGraphBuilder::Build() [/usr/bin/node]
11,134,107 ( 1.08%)  ???:heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(v8::internal::FullHeapObjectSlot) [/usr/bin/node]
   450,000 ( 0.04%)  ???:void v8::internal::EvacuateVisitorBase::RawMigrateObject<(v8::internal::EvacuateVisitorBase::MigrationMode)0>(v8::internal::EvacuateVisitorBase*) [/usr/bin/node]
 2,000,000 ( 0.19%)  ???:void v8::internal::Scavenger::IterateAndScavengePromotedObject(v8::internal::HeapObject, v8::internal::Map, v8::internal::MarkingState*) [/usr/bin/node]
--------------------------------------------------------------------------------
Ir                   file:function
`;

describe('bench: a callgrind dump read by function', () => {
  it("sets the compiler's and the full collections' instructions apart, and nothing else", () => {
    const d: DumpInstructions = { total: 0, compiler: 0, fullCollections: 0 };
    for (const line of ANNOTATED.split('\n')) addAnnotatedLine(d, line);
    assert.equal(d.total, 1_029_397_435);
    assert.equal(d.compiler, 12_380_850 + 1_000_000);
    // The scavenger's work stays in the count even where its names mention marking: every message pays for it.
    assert.equal(d.fullCollections, 29_186_605 + 20_879_092 + 17_400_965 + 450_000);
  });
});
