#!/usr/bin/env node
// Extracts the "Sample Input" envelopes of the ChargePoint Web Services API guide (a text rendering of the PDF) into
// test/fixtures/fleet-api-guide/<method>.input.xml, one file per method, so that the fleet API tests post the guide's
// own requests (docs/fleet-api.md#what-is-accepted).
//
// Usage: node scripts/extract-guide-samples.mjs <guide.txt> [out-dir]
//
// The rendering breaks long lines where the PDF did, also inside quoted attribute values (namespace URIs); a line that
// ends inside an open quote is joined to the next without the break, which is what a client copying the sample sends.
// Nothing else is repaired: samples that stay malformed are kept as printed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [guide, outDir = 'test/fixtures/fleet-api-guide'] = process.argv.slice(2);
if (!guide) {
  console.error('usage: node scripts/extract-guide-samples.mjs <guide.txt> [out-dir]');
  process.exit(2);
}

const HEADING = /^#+\s*[\d.]+\s+(\w+)\s*-\s*Sample Input/;
const FENCE = /^```/;

/** Joins lines broken inside a quoted attribute value. */
function unwrap(lines) {
  const out = [];
  let open = false;
  for (const line of lines) {
    if (open) out[out.length - 1] += line.trimStart();
    else out.push(line);
    const quotes = (line.match(/"/g) ?? []).length;
    if (quotes % 2 === 1) open = !open;
  }
  return out;
}

const lines = readFileSync(guide, 'utf8').split(/\r?\n/);
const samples = new Map();
for (let i = 0; i < lines.length; i++) {
  const heading = HEADING.exec(lines[i]);
  if (!heading) continue;
  let start = i + 1;
  while (start < lines.length && !FENCE.test(lines[start])) start++;
  let end = start + 1;
  while (end < lines.length && !FENCE.test(lines[end])) end++;
  const body = unwrap(lines.slice(start + 1, end))
    .join('\n')
    .trim();
  if (body) samples.set(heading[1], `${body}\n`);
  i = end;
}

mkdirSync(outDir, { recursive: true });
for (const [method, text] of samples) writeFileSync(join(outDir, `${method}.input.xml`), text);
console.log(`${samples.size} samples written to ${outDir}`);
