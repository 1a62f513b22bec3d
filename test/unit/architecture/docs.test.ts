import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { githubAnchor } from '../../helpers/markdown.js';

/** The repository documents itself: its documents exist, link only inside it, and the README stays a manual. */

const ROOT = normalize(join(import.meta.dirname, '../../..'));

function markdownFiles(): string[] {
  const out = ['README.md'];
  for (const dir of ['docs', 'bench', 'test']) {
    const walk = (p: string) => {
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
      else if (p.endsWith('.md')) out.push(relative(ROOT, p));
    };
    if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  }
  return out;
}

function headings(file: string): Set<string> {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => githubAnchor(m[1]!)));
}

describe('documentation', () => {
  it('every relative link in README.md and docs/, bench/, test/ resolves inside the repository, anchors included', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
        const link = m[1]!;
        if (/^[a-z]+:/i.test(link)) continue;
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? file : normalize(join(dirname(file), path));
        if (target.startsWith('..') || !existsSync(join(ROOT, target))) {
          broken.push(`${file}: ${link} (no ${target} in the repository)`);
          continue;
        }
        if (anchor && target.endsWith('.md') && !headings(target).has(anchor))
          broken.push(`${file}: ${link} (no heading #${anchor})`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('the README is a manual of at most 25,000 bytes', () => {
    const size = statSync(join(ROOT, 'README.md')).size;
    assert.ok(size <= 25_000, `README.md is ${size} bytes`);
    for (const section of ['## Quick start', '## Configuration', '## Known limits'])
      assert.ok(readFileSync(join(ROOT, 'README.md'), 'utf8').includes(section), section);
  });

  it('docs/ holds the translation rules and the charger quirks, 20 KB or more together', () => {
    const size = statSync(join(ROOT, 'docs/translation.md')).size + statSync(join(ROOT, 'docs/charger-quirks.md')).size;
    assert.ok(size >= 20_000, `${size} bytes`);
  });

  it('docs/architecture.md pictures both flows, naming the modules at each step', () => {
    const text = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    for (const module of [
      'soap/central-system-endpoint.ts',
      'bridge/ingress.ts',
      'bridge/message-processor.ts',
      'upstream/connection.ts',
      'bridge/csms-calls.ts',
      'soap/soap-client.ts',
    ]) {
      assert.ok(text.includes(module), module);
      assert.ok(existsSync(join(ROOT, 'src', module)), `src/${module} exists`);
    }
  });
});
