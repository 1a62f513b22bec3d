import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { adminCall } from '../helpers/admin-call.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { type RunningGateway, startGateway } from '../helpers/gateway-harness.js';
import { assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

const HEARTBEAT = '<cs:heartbeatRequest/>';
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';
const KEY = 'k'.repeat(40);

/** An admin request; `type` names the body's Content-Type. */
const call = (gw: RunningGateway, method: string, path: string, body?: string, type = 'application/json') =>
  adminCall(gw, method, path, body, { 'Content-Type': type });

/** A fleet CSV of `rows` chargers; `bad` (a 0-based row) gets an invalid source network. */
function fleetCsv(rows: number, bad?: number): string {
  const lines = ['identity,idTokenType,sources,pinSource,timezone'];
  for (let i = 0; i < rows; i++)
    lines.push(
      `CP-${String(i).padStart(5, '0')},KeyCode,${i === bad ? '10.0.0.0/40' : '127.0.0.0/8 10.2.0.0/16'},true,-05:00`,
    );
  return `${lines.join('\n')}\n`;
}

for (const mode of ['embedded', 'redis'] as const) {
  describe(`fleet import and export (${mode})`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;

    before(async () => {
      csms = await new TestCsms().start();
      gw = await startGateway(mode, csms.url, { admission: 'allowlist', storeSecretKey: KEY });
    });
    after(async () => {
      await gw.stop();
      await csms.stop();
    });

    it('5,000 rows with one bad row: the line is named and nothing is applied', async () => {
      const res = await call(gw, 'POST', '/api/chargers/import', fleetCsv(5_000, 3_210), 'text/csv');
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.problems.length, 1);
      // The header is line 1, so row 3,210 (from 0) is on line 3,212.
      assert.deepEqual(
        { line: res.json.problems[0].line, field: res.json.problems[0].field, identity: res.json.problems[0].identity },
        { line: 3_212, field: 'sources', identity: 'CP-03210' },
      );
      assert.equal((await call(gw, 'GET', '/api/chargers/settings?limit=1')).json.total, 0);
    });

    it('5,000 rows: a dry run shows what would change, the import applies it, an export imports back unchanged', async () => {
      const csv = fleetCsv(5_000);
      const dry = await call(gw, 'POST', '/api/chargers/import?dryRun=1', csv, 'text/csv');
      assert.equal(dry.status, 200, dry.text);
      assert.deepEqual([dry.json.create, dry.json.update, dry.json.unchanged], [5_000, 0, 0]);
      assert.equal((await call(gw, 'GET', '/api/chargers/settings?limit=1')).json.total, 0, 'a dry run stores nothing');
      const applied = await call(gw, 'POST', '/api/chargers/import', csv, 'text/csv');
      assert.equal(applied.status, 200, applied.text);
      assert.equal(applied.json.create, 5_000);
      assert.equal(gw.config.chargers['CP-04999']?.timezone, '-05:00');
      assert.equal(gw.config.chargers['CP-04999']?.sources?.length, 2);
      assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-00007' }), {}), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
      const audit = await call(gw, 'GET', '/api/audit?limit=2');
      assert.equal(audit.json.records[0].action, 'import');
      assert.equal(audit.json.total, 5_000);
      // Paged newest first: the import's rows were audited in order, so page 2 of 1,000 ends 2,000 rows from the end.
      const page = await call(gw, 'GET', '/api/audit?offset=1000&limit=1000');
      assert.equal(page.json.records.length, 1_000);
      assert.equal(page.json.records[0].identity, 'CP-03999');
      assert.equal(page.json.records[999].identity, 'CP-03000');

      const exported = await call(gw, 'GET', '/api/chargers/export?format=csv');
      assert.equal(exported.text.trim().split(/\r?\n/).length, 5_001);
      const again = await call(gw, 'POST', '/api/chargers/import?dryRun=1', exported.text, 'text/csv');
      assert.equal(again.status, 200, again.text);
      assert.deepEqual([again.json.create, again.json.update, again.json.unchanged], [0, 0, 5_000]);
      const json = await call(gw, 'GET', '/api/chargers/export?format=json');
      const back = await call(gw, 'POST', '/api/chargers/import?dryRun=1', json.text);
      assert.deepEqual([back.json.create, back.json.update, back.json.unchanged], [0, 0, 5_000]);
    });

    it('an import changing one charger lists that one change', async () => {
      const res = await call(
        gw,
        'POST',
        '/api/chargers/import',
        JSON.stringify({ chargers: [{ identity: 'CP-00001', settings: { idTokenType: 'eMAID' } }] }),
      );
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json.changes, [
        {
          row: 1,
          identity: 'CP-00001',
          kind: 'update',
          changedKeys: ['idTokenType', 'sources', 'pinSource', 'timezone'],
        },
      ]);
    });

    it('an oversized import gets 413 and a JSON import with a bad row names its row', async () => {
      const huge = `identity,timezone\n${'CP-X,Z\n'.repeat(1_400_000)}`;
      assert.equal((await call(gw, 'POST', '/api/chargers/import', huge, 'text/csv')).status, 413);
      const bad = await call(
        gw,
        'POST',
        '/api/chargers/import',
        JSON.stringify({
          chargers: [
            { identity: 'CP-A', settings: {} },
            { identity: 'CP-B', settings: { alow: true } },
          ],
        }),
      );
      assert.equal(bad.status, 400);
      assert.deepEqual([bad.json.problems[0].row, bad.json.problems[0].field], [2, 'alow']);
      assert.equal((await call(gw, 'GET', '/api/chargers/CP-A/settings')).status, 404);
    });

    it('a CSMS password is sealed, presented to the CSMS, and exported only with secrets=1 (audited)', async () => {
      const password = `csms-${randomUUID()}`;
      const put = await call(
        gw,
        'PUT',
        '/api/chargers/CP-CSMS/settings',
        JSON.stringify({ basicAuthPassword: password }),
      );
      assert.equal(put.status, 200, put.text);
      assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-CSMS' }), {}), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
      await until(() => csms.passwords.has('CP-CSMS'), 'the CSMS handshake of CP-CSMS');
      assert.equal(csms.passwords.get('CP-CSMS'), password);
      const plain = await call(gw, 'GET', '/api/chargers/export?format=json');
      assert.ok(!plain.text.includes(password));
      const withSecrets = await call(gw, 'GET', '/api/chargers/export?format=json&secrets=1');
      const entry = withSecrets.json.chargers.find((c: { identity: string }) => c.identity === 'CP-CSMS');
      assert.equal(entry.settings.basicAuthPassword, password);
      const audit = await call(gw, 'GET', '/api/audit?limit=1');
      assert.equal(audit.json.records[0].action, 'export-secrets');
      assert.ok(!(await call(gw, 'GET', '/api/audit?limit=1000')).text.includes(password));
    });
  });
}

describe('two Redis instances', () => {
  let csms: TestCsms;
  let a: RunningGateway;
  let b: RunningGateway;

  before(async () => {
    csms = await new TestCsms().start();
    const redisPrefix = `gwtest-${randomUUID().slice(0, 8)}`;
    a = await startGateway('redis', csms.url, { admission: 'allowlist', redisPrefix });
    b = await startGateway('redis', csms.url, { admission: 'allowlist', redisPrefix });
  });
  after(async () => {
    await a.stop();
    await b.stop();
    await csms.stop();
  });

  it('a change on one instance is in effect on the other within a second', async () => {
    for (const [change, expect] of [
      [{ timezone: '+03:00' }, '+03:00'],
      [{ timezone: '-01:00' }, '-01:00'],
    ] as const) {
      const started = Date.now();
      const res = await call(a, 'PATCH', '/api/chargers/CP-SHARED/settings', JSON.stringify(change));
      assert.equal(res.status, 200, res.text);
      await until(() => b.config.chargers['CP-SHARED']?.timezone === expect, 'the change on instance b', 5_000);
      assert.ok(Date.now() - started < 1_000, `seen after ${Date.now() - started} ms`);
    }
    assertSoapResponse(await post(b.soapUrl, envelope(HEARTBEAT, { identity: 'CP-SHARED' }), {}), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    await call(b, 'DELETE', '/api/chargers/CP-SHARED/settings');
    await until(() => a.config.chargers['CP-SHARED']?.allow === false, 'the retirement on instance a', 5_000);
    assert.equal((await call(a, 'GET', '/api/audit?identity=CP-SHARED')).json.total, 3);
  });
});
