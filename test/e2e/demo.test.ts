import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

describe('npm run demo', () => {
  it('runs the gateway, a demo CSMS and SOAP chargers, and bridges full transactions both ways', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--seconds', '7'], {
      env: { ...process.env, PORT: '0', ADMIN_PORT: '0', DEMO_CSMS_PORT: '0', CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /dashboard:\s+http:\/\/127\.0\.0\.1:\d+\/dashboard\//);
    assert.match(output, /demo: full transaction bridged: DEMO-\d transaction \d+/);
    assert.match(output, /CSMS <- DEMO-2 RemoteStartTransaction answered \{"status":"Accepted"\}/, 'a CSMS command reached a SOAP charger and came back');
    assert.doesNotMatch(output, /strictValidationFailure|Error:/);
  });
});
