import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { githubAnchor } from '../../helpers/markdown.js';

/**
 * The rules of docs/architecture.md#layers, checked on the sources themselves: imports only go down the layers,
 * functions and files stay readable, and comments cite documents of this repository.
 */

const ROOT = normalize(join(import.meta.dirname, '../../..'));

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else if (/\.(ts|mjs|js)$/.test(p)) out.push(p);
  };
  walk(join(ROOT, dir));
  return out;
}

/** Layers bottom up: a module may import its own layer and the ones below, never one above. */
const LAYERS = [
  'ocpp',
  'util',
  'config',
  'translate',
  'state',
  'upstream',
  'queue',
  'soap',
  'bridge',
  'admin',
  'fleet-api',
];

function layerOf(file: string): number {
  const rel = relative(join(ROOT, 'src'), file).split('/');
  if (rel.length === 1) return LAYERS.length; // gateway.ts, main.ts: the top
  const rank = LAYERS.indexOf(rel[0]!);
  assert.ok(rank >= 0, `${relative(ROOT, file)} is in no layer of docs/architecture.md`);
  return rank;
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
  specs.push(...[...text.matchAll(/import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)].map((m) => m[1]!));
  return specs.map((s) => normalize(join(dirname(file), s.replace(/\.js$/, '.ts'))));
}

/** Every ring of modules that import one another (Tarjan's strongly connected components of two or more). */
function importRings(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const rings: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const ring: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      ring.push(member);
    } while (member !== node);
    if (ring.length > 1) rings.push(ring.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return rings;
}

describe('architecture: the rules of docs/architecture.md, checked on the code', () => {
  const src = sourceFiles('src').filter((f) => f.endsWith('.ts'));

  it('no module imports a layer above its own', () => {
    const upward: string[] = [];
    for (const file of src) {
      for (const target of relativeImports(file)) {
        if (!target.startsWith(join(ROOT, 'src'))) continue;
        if (layerOf(target) > layerOf(file)) upward.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}`);
      }
    }
    assert.deepEqual(upward, []);
  });

  it('no two modules import each other, directly or in a ring (inside a layer too)', () => {
    const graph = new Map(src.map((f) => [f, relativeImports(f).filter((t) => t.startsWith(join(ROOT, 'src')))]));
    assert.deepEqual(
      importRings(graph).map((ring) => ring.map((f) => relative(join(ROOT, 'src'), f)).join(' -> ')),
      [],
    );
  });

  it('the translation layer does no I/O: it imports no Node.js module and no package', () => {
    const io = src
      .filter((f) => f.includes('/src/translate/'))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/from\s*['"]([^.'"][^'"]*)['"]/g)].map(
          (m) => `${relative(ROOT, f)}: ${m[1]}`,
        ),
      );
    assert.deepEqual(io, []);
  });

  const code = [...src, ...sourceFiles('bench'), ...sourceFiles('scripts')].filter((f) => f.endsWith('.ts'));

  it('no source file is longer than 400 lines', () => {
    const long = code
      .map((f) => [relative(ROOT, f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 400);
    assert.deepEqual(long, []);
  });

  it('no test file (helpers and fixtures included) is longer than 400 lines', () => {
    const long = sourceFiles('test')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [relative(ROOT, f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 400);
    assert.deepEqual(long, []);
  });

  it('no function body is longer than 80 lines', () => {
    const long: string[] = [];
    for (const file of code) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const body = node.body as ts.Node;
          const lines =
            sf.getLineAndCharacterOfPosition(body.end).line -
            sf.getLineAndCharacterOfPosition(body.getStart(sf)).line +
            1;
          if (lines > 80)
            long.push(
              `${relative(ROOT, file)}:${sf.getLineAndCharacterOfPosition(body.getStart(sf)).line + 1} (${lines} lines)`,
            );
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    assert.deepEqual(long, []);
  });

  const cited = [...src, ...sourceFiles('bench'), ...sourceFiles('scripts'), ...sourceFiles('test')];

  it('comments cite documents of this repository, never files outside it or issue numbers', () => {
    const outside: string[] = [];
    for (const file of cited) {
      const text = readFileSync(file, 'utf8');
      text.split('\n').forEach((line, i) => {
        if (
          /\.\.\/shared\b|shared\/docs|\bissue \d+|\bissues? #\d+|\bmap [A-H]\.?\d|\bmap section [A-H]\b|\bmap [A-H]\b/i.test(
            line,
          )
        ) {
          outside.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim().slice(0, 100)}`);
        }
      });
      // Quirk numbers (Q2, Q14) are the headings of docs/charger-quirks.md: a source that uses them names that file.
      if (/\bQ\d{1,2}\b/.test(text) && !text.includes('docs/charger-quirks.md'))
        outside.push(`${relative(ROOT, file)}: quirk numbers without docs/charger-quirks.md`);
    }
    assert.deepEqual(outside, []);
  });

  it('every docs/<file>.md#<anchor> a source cites exists', () => {
    const anchors = new Map<string, Set<string>>();
    const anchorsOf = (doc: string) => {
      if (!anchors.has(doc)) {
        const path = join(ROOT, 'docs', doc);
        const found = new Set<string>();
        if (existsSync(path))
          for (const m of readFileSync(path, 'utf8').matchAll(/^#{1,6}\s+(.+)$/gm)) found.add(githubAnchor(m[1]!));
        anchors.set(doc, found);
      }
      return anchors.get(doc)!;
    };
    const broken: string[] = [];
    for (const file of cited) {
      for (const m of readFileSync(file, 'utf8').matchAll(/docs\/([\w-]+\.md)(?:#([\w-]+))?/g)) {
        if (!existsSync(join(ROOT, 'docs', m[1]!))) broken.push(`${relative(ROOT, file)}: docs/${m[1]} does not exist`);
        else if (m[2] && !anchorsOf(m[1]!).has(m[2]))
          broken.push(`${relative(ROOT, file)}: docs/${m[1]}#${m[2]} is not a heading there`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
