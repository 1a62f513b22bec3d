import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

/** Runs `npm run demo` with these flags for `seconds`, on free ports; resolves with everything it printed. */
async function demo(flags: string[], seconds: number): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/demo.ts', ...flags, '--seconds', String(seconds)],
    {
      env: { ...process.env, PORT: '0', ADMIN_PORT: '0', DEMO_CSMS_PORT: '0', CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, output);
  assert.match(output, /dashboard:\s+http:\/\/127\.0\.0\.1:\d+\/dashboard\//);
  assert.doesNotMatch(output, /strictValidationFailure|Error:/);
  return output;
}

describe('npm run demo', () => {
  it('runs the gateway, a demo CSMS and SOAP chargers, and bridges full transactions both ways', async () => {
    const output = await demo([], 7);
    assert.match(output, /demo: full transaction bridged: DEMO-\d transaction \d+/);
    assert.match(
      output,
      /CSMS <- DEMO-2 RemoteStartTransaction answered \{"status":"Accepted"\}/,
      'a CSMS command reached a SOAP charger and came back',
    );
  });

  it('--ocpp201: the same with a strict OCPP 2.0.1 CSMS', async () => {
    const output = await demo(['--ocpp201'], 8);
    assert.match(output, /OCPP-J 2\.0\.1, strict validation/);
    assert.match(
      output,
      /demo: full transaction bridged: DEMO-\d transaction [0-9a-f-]{36} \(TransactionEvent Started -> Updated -> Ended\)/,
    );
    assert.match(output, /CSMS <- DEMO-2 RequestStartTransaction answered \{"status":"Accepted"\}/);
  });

  it('--migration: the legacy system in charge, the CSMS as shadow, a divergence, and a cut-over', async () => {
    const output = await demo(['--migration'], 16);
    assert.match(output, /legacy <- BootNotification/);
    assert.match(output, /CSMS <- DEMO-1 BootNotification/, 'the shadow CSMS gets the copy');
    assert.match(output, /demo: divergence on DEMO-3 Authorize \(decision\): primary: Blocked; shadow: Accepted/);
    assert.match(
      output,
      /CSMS <- DEMO-2 RemoteStartTransaction answered \{"error":".*read-only shadow/,
      'the shadow cannot command the charger',
    );
    const cutOver = output.indexOf('demo: cut-over: DEMO-1 routed to the CSMS');
    assert.ok(cutOver > 0, output);
    assert.match(
      output.slice(cutOver),
      /demo: full transaction bridged: DEMO-1 transaction \d+/,
      'a session on the CSMS after the cut-over',
    );
  });
});
