import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';

const run = promisify(execFile);

/** Runs an ES module's text in a fresh node (the test runner's own globals stay as node made them). */
async function inFreshNode(body: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], {
    timeout: 60_000,
  });
  return JSON.parse(stdout);
}

describe('plainNodeGlobals (docs/architecture.md, "Design choices")', () => {
  it('turns Buffer and process from accessors into values: the same objects, still replaceable', async () => {
    const out = await inFreshNode(`
      import { Buffer as buffer } from 'node:buffer';
      import nodeProcess from 'node:process';
      const kind = (name) => ('get' in Object.getOwnPropertyDescriptor(globalThis, name) ? 'accessor' : 'value');
      const before = [kind('Buffer'), kind('process')];
      const { plainNodeGlobals } = await import('./src/util/node-globals.ts');
      plainNodeGlobals();
      const after = [kind('Buffer'), kind('process')];
      const same = globalThis.Buffer === buffer && globalThis.process === nodeProcess;
      const hidden = !Object.keys(globalThis).includes('Buffer') && !Object.keys(globalThis).includes('process');
      plainNodeGlobals();
      globalThis.Buffer = 42;
      const replaced = Buffer === 42;
      globalThis.Buffer = buffer;
      console.log(JSON.stringify({ before, after, same, hidden, replaced }));
    `);
    // The first is node's behaviour, the reason for the change; the rest is the change.
    assert.deepEqual(out, {
      before: ['accessor', 'accessor'],
      after: ['value', 'value'],
      same: true,
      hidden: true,
      replaced: true,
    });
  });
});
