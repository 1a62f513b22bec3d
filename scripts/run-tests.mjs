#!/usr/bin/env node
// Runs every test file under test/ with node's built-in test runner (TypeScript through tsx).
// Usage: npm test [-- <dir-or-file> ...]   e.g. npm test -- test/unit
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test/unit', 'test/integration', 'test/e2e', 'test/reliability'];
const files = [];
const walk = (p) => {
  if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
  else if (p.endsWith('.test.ts')) files.push(p);
};
roots.forEach(walk);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
