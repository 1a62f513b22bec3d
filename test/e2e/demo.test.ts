import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

/**
 * Runs `npm run demo` with these flags on free ports for at least `seconds.least`, then until `done` holds for what
 * it printed (then Ctrl-C, as a user stops it), or at most `seconds.most`; resolves with everything it printed.
 * Waiting for the output rather than a fixed time keeps the test from failing on a machine busy with the other tests.
 */
async function demo(
  flags: string[],
  seconds: { least: number; most: number },
  done: (output: string) => boolean,
): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/demo.ts', ...flags, '--seconds', String(seconds.most)],
    {
      env: { ...process.env, PORT: '0', ADMIN_PORT: '0', DEMO_CSMS_PORT: '0', CONFIG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let stopping = false;
  let lateEnough = false;
  const check = () => {
    if (stopping || !lateEnough || !done(output)) return;
    stopping = true;
    child.kill('SIGINT');
  };
  const read = (d: Buffer) => {
    output += d;
    check();
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  const least = setTimeout(() => {
    lateEnough = true;
    check();
  }, seconds.least * 1000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(least);
  assert.equal(code, 0, output);
  assert.match(output, /dashboard:\s+http:\/\/127\.0\.0\.1:\d+\/dashboard\//);
  assert.doesNotMatch(output, /strictValidationFailure|Error:/);
  return output;
}

describe('npm run demo', () => {
  it('runs the gateway, a demo CSMS and SOAP chargers, and bridges full transactions both ways', async () => {
    const bridged = /demo: full transaction bridged: DEMO-\d transaction \d+/;
    const commanded = /CSMS <- DEMO-2 RemoteStartTransaction answered \{"status":"Accepted"\}/;
    const output = await demo([], { least: 7, most: 40 }, (o) => bridged.test(o) && commanded.test(o));
    assert.match(output, bridged);
    assert.match(output, commanded, 'a CSMS command reached a SOAP charger and came back');
  });

  it('--ocpp201: the same with a strict OCPP 2.0.1 CSMS', async () => {
    const bridged =
      /demo: full transaction bridged: DEMO-\d transaction [0-9a-f-]{36} \(TransactionEvent Started -> Updated -> Ended\)/;
    const commanded = /CSMS <- DEMO-2 RequestStartTransaction answered \{"status":"Accepted"\}/;
    const output = await demo(['--ocpp201'], { least: 8, most: 40 }, (o) => bridged.test(o) && commanded.test(o));
    assert.match(output, /OCPP-J 2\.0\.1, strict validation/);
    assert.match(output, bridged);
    assert.match(output, commanded);
  });

  it('--migration: the legacy system in charge, the CSMS as shadow, a divergence, and a cut-over', async () => {
    const diverged = /demo: divergence on DEMO-3 Authorize \(decision\): primary: Blocked; shadow: Accepted/;
    const refused = /CSMS <- DEMO-2 RemoteStartTransaction answered \{"error":".*read-only shadow/;
    const bridged = /demo: full transaction bridged: DEMO-1 transaction \d+/;
    const afterCutOver = (o: string) => o.slice(Math.max(0, o.indexOf('demo: cut-over: DEMO-1 routed to the CSMS')));
    const output = await demo(
      ['--migration'],
      { least: 16, most: 60 },
      (o) => diverged.test(o) && refused.test(o) && o.includes('demo: cut-over') && bridged.test(afterCutOver(o)),
    );
    assert.match(output, /legacy <- BootNotification/);
    assert.match(output, /CSMS <- DEMO-1 BootNotification/, 'the shadow CSMS gets the copy');
    assert.match(output, diverged);
    assert.match(output, refused, 'the shadow cannot command the charger');
    const cutOver = output.indexOf('demo: cut-over: DEMO-1 routed to the CSMS');
    assert.ok(cutOver > 0, output);
    assert.match(output.slice(cutOver), bridged, 'a session on the CSMS after the cut-over');
  });
});
