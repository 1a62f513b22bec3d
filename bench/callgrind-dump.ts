/**
 * A callgrind dump read into what bench/instructions.ts compares: the instructions in all, those of V8's optimising
 * compilers and those of V8's full collections (bench/README.md, "Instructions per message"). Read from the dump file
 * itself rather than from `callgrind_annotate`'s listing, because a full collection's work is not all in functions
 * named after it: the helpers it calls (an object's size from its map, iterating a code object's relocations, the
 * free lists) are shared with the scavenger and the rest of V8, so they are attributed through the call graph.
 */

export interface DumpInstructions {
  total: number;
  /** V8's optimising compilers. */
  compiler: number;
  /** V8's full collections, their helpers included in proportion to the calls that came from them. */
  fullCollections: number;
}

/** Functions of V8's optimising compilers (TurboFan and Maglev), counted by their own cost. */
const COMPILER = /v8::internal::(compiler::|maglev::)/;
/**
 * Functions of V8's full (mark-compact) collections: marking, on the main thread and concurrently, sweeping and
 * compaction. The scavenger's (young generation) are not among them, even where their names mention marking.
 */
const FULL_COLLECTION =
  /v8::internal::.*(MarkCompact|ConcurrentMarking|MarkingVisitor|IncrementalMarking|MarkingWorklist|MarkingBarrier|Sweeper|LiveObjectRange|RecordMigratedSlotVisitor|RememberedSetUpdatingItem|StringTableCleaner|MemoryChunkData|EvacuateVisitorBase|Evacuator|PointersUpdatingVisitor)/;

function isFullCollection(name: string): boolean {
  return FULL_COLLECTION.test(name) && !name.includes('Scaveng');
}

interface Fn {
  name: string;
  /** Instructions in the function itself. */
  self: number;
  /** Inclusive instructions of the calls into it, by caller. */
  callers: Map<Fn, number>;
}

export interface CallGraph {
  total: number;
  functions: Fn[];
}

/**
 * The call graph of a dump in callgrind's format (`fn=`, `cfn=`, `calls=` and cost lines, names compressed as `(id)
 * name` on first use): each function's own instructions and the inclusive instructions of each caller's calls into
 * it. A cost line after `calls=` is the call's inclusive cost; any other is the current function's own.
 */
export function parseCallGraph(text: string): CallGraph {
  const names = new Map<string, string>();
  const byName = new Map<string, Fn>();
  const fnOf = (ref: string): Fn => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(ref);
    const name = m ? (m[2] !== undefined ? (names.set(m[1]!, m[2]), m[2]) : (names.get(m[1]!) ?? ref)) : ref;
    let fn = byName.get(name);
    if (!fn) byName.set(name, (fn = { name, self: 0, callers: new Map() }));
    return fn;
  };
  let total = 0;
  let current: Fn | undefined;
  let callee: Fn | undefined;
  let callCost = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) current = fnOf(line.slice(3));
    else if (line.startsWith('cfn=')) callee = fnOf(line.slice(4));
    else if (line.startsWith('calls=')) callCost = true;
    else if (line.startsWith('totals:') || line.startsWith('summary:')) total = Number(line.split(/\s+/)[1]);
    else if (/^[\d+\-*]/.test(line) && current) {
      const cost = Number(line.split(' ')[1] ?? 0);
      if (callCost && callee) callee.callers.set(current, (callee.callers.get(current) ?? 0) + cost);
      else current.self += cost;
      callCost = false;
    }
  }
  return { total, functions: [...byName.values()] };
}

/**
 * Each function's share of its instructions spent for `root` functions: 1 for a root, otherwise the share of its
 * callers' calls into it weighted by their inclusive cost and by the callers' own shares (the call graph has cycles,
 * so this is iterated until it settles).
 */
export function sharesUnder(graph: CallGraph, isRoot: (name: string) => boolean): Map<Fn, number> {
  const share = new Map<Fn, number>(graph.functions.map((f) => [f, isRoot(f.name) ? 1 : 0]));
  const inner = graph.functions.filter((f) => !isRoot(f.name) && f.callers.size > 0);
  for (let pass = 0; pass < 100; pass++) {
    let moved = 0;
    for (const f of inner) {
      let all = 0;
      let under = 0;
      for (const [caller, cost] of f.callers) {
        all += cost;
        under += cost * share.get(caller)!;
      }
      const next = all > 0 ? under / all : 0;
      moved = Math.max(moved, Math.abs(next - share.get(f)!));
      share.set(f, next);
    }
    if (moved < 1e-9) break;
  }
  return share;
}

/** A dump's instructions in all, in the optimising compilers, and in full collections (their helpers' share too). */
export function dumpInstructions(text: string): DumpInstructions {
  const graph = parseCallGraph(text);
  const shares = sharesUnder(graph, isFullCollection);
  const out: DumpInstructions = { total: graph.total, compiler: 0, fullCollections: 0 };
  for (const f of graph.functions) {
    if (COMPILER.test(f.name)) out.compiler += f.self;
    else out.fullCollections += f.self * shares.get(f)!;
  }
  out.fullCollections = Math.round(out.fullCollections);
  return out;
}

/**
 * Whether a counted window ran hot: V8's optimising compiler took at most `settledShare` of its instructions. While
 * the compiler is busier than that, part of the window ran code not yet optimised, and the window counts as more
 * warm-up (bench/README.md, "Instructions per message").
 */
export function isHot(window: DumpInstructions, settledShare: number): boolean {
  return window.total > 0 && compilerShare(window) <= settledShare;
}

/** The share of a dump's instructions that V8's optimising compilers took. */
export const compilerShare = (window: DumpInstructions): number => window.compiler / window.total;
