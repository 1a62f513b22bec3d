import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestCsms } from '../helpers/csms-peer.js';
import { GatewayProcess } from '../helpers/processes.js';
import { assertFault, assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

const HEARTBEAT = '<cs:heartbeatRequest/>';
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';

describe('the configuration file again on SIGHUP (a gateway process)', () => {
  let csms: TestCsms;
  let gw: GatewayProcess;
  const file = join(mkdtempSync(join(tmpdir(), 'gw-config-')), 'gateway.yaml');
  const log = () => readFileSync(gw.logFile, 'utf8');
  const heartbeat = (identity: string) => post(gw.soapUrl, envelope(HEARTBEAT, { identity }));
  const settings = async (identity: string) =>
    (await fetch(`http://127.0.0.1:${gw.adminPort}/api/chargers/${identity}/settings`)).json() as Promise<{
      origin?: string;
      settings?: Record<string, unknown>;
    }>;

  before(async () => {
    csms = await new TestCsms().start();
    writeFileSync(file, 'chargers:\n  CP-A: {}\n  CP-B: { timezone: "+01:00" }\n');
    gw = await new GatewayProcess({ CSMS_URL: csms.url, CONFIG: file, ADMISSION: 'allowlist' }, 'sighup').start();
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('a valid file is applied at once: the diff is logged and audited', async () => {
    assertFault(await heartbeat('CP-C'), 'Sender', 'SecurityError', /not on the allowlist/);
    writeFileSync(file, 'chargers:\n  CP-B: { timezone: "+02:00" }\n  CP-C: {}\n');
    gw.signal('SIGHUP');
    await until(() => log().includes('configuration reloaded'), 'the reload line', 10_000);
    assert.match(log(), /configuration reloaded: 1 chargers added, 1 removed, 1 changed in the file/);
    assertSoapResponse(await heartbeat('CP-C'), { action: '/HeartbeatResponse', relatesTo: RELATES });
    assertFault(await heartbeat('CP-A'), 'Sender', 'SecurityError', /not on the allowlist/);
    assert.deepEqual(await settings('CP-B'), {
      identity: 'CP-B',
      origin: 'yaml',
      fileKeys: ['timezone'],
      settings: { timezone: '+02:00' },
    });
    const audit = (await (await fetch(`http://127.0.0.1:${gw.adminPort}/api/audit`)).json()) as {
      records: { action: string; actor: string; identity: string }[];
    };
    assert.deepEqual(audit.records.map((r) => `${r.action} ${r.actor} ${r.identity}`).sort(), [
      'file-reload SIGHUP CP-A',
      'file-reload SIGHUP CP-B',
      'file-reload SIGHUP CP-C',
    ]);
  });

  it('a broken file changes nothing and says so in one line', async () => {
    writeFileSync(file, 'chargers:\n  CP-B: { timezone: "+02:00" }\n  CP-D: { sources: ["10.0.0.0/99"] }\n');
    gw.signal('SIGHUP');
    await until(() => log().includes('configuration reload refused'), 'the refusal line', 10_000);
    const lines = log()
      .split('\n')
      .filter((l) => l.includes('configuration reload refused'));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /nothing changed: .*chargers\.CP-D\.sources/);
    assertSoapResponse(await heartbeat('CP-C'), { action: '/HeartbeatResponse', relatesTo: RELATES });
    assertFault(await heartbeat('CP-D'), 'Sender', 'SecurityError', /not on the allowlist/);
    writeFileSync(file, 'chargers: [not, a, mapping\n');
    gw.signal('SIGHUP');
    await until(
      () =>
        log()
          .split('\n')
          .filter((l) => l.includes('configuration reload refused')).length === 2,
      'the second refusal line',
      10_000,
    );
    assertSoapResponse(await heartbeat('CP-C'), { action: '/HeartbeatResponse', relatesTo: RELATES });
  });
});
