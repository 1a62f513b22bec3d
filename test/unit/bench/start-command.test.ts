import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startFlags } from '../../../bench/processes.js';

/** The node arguments of the Dockerfile's CMD ["node", ..., "dist/main.js"]. */
function dockerFlags(): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
  assert.ok(cmd, 'the Dockerfile has an exec-form CMD');
  const argv = JSON.parse(cmd) as string[];
  assert.equal(argv[0], 'node');
  assert.equal(argv.at(-1), 'dist/main.js');
  return argv.slice(1, -1);
}

describe('the start command: npm start, the Dockerfile and the bench run the gateway alike', () => {
  it("the bench takes npm start's V8 flags, and the Dockerfile has the same", () => {
    const flags = startFlags('.');
    assert.ok(flags.includes('--no-memory-reducer'), `npm start's flags: ${flags.join(' ')}`);
    assert.deepEqual(dockerFlags(), flags);
  });

  it('this node accepts those flags (an unknown V8 flag stops node with "bad option" before the gateway starts)', () => {
    const run = spawnSync(process.execPath, [...startFlags('.'), '-e', '0'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const bad = spawnSync(process.execPath, ['--no-such-v8-flag-here', '-e', '0'], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0, 'node refuses an unknown flag, so the check above can fail');
  });

  it('a checkout whose start script is not `node <flags> dist/main.js` runs with --no-memory-reducer alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'start-flags-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { start: 'tsx src/main.ts' } }));
      assert.deepEqual(startFlags(dir), ['--no-memory-reducer']);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { start: 'node --a --b=1 dist/main.js' } }));
      assert.deepEqual(startFlags(dir), ['--a', '--b=1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
