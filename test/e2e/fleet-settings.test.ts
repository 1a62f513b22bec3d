import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminCall } from '../helpers/admin-call.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { type RunningGateway, startGateway } from '../helpers/gateway-harness.js';
import { assertFault, assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

const HEARTBEAT = '<cs:heartbeatRequest/>';
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';
const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

/** embedded: the durable SQLite store; memory: STORE=memory; redis: Redis with pub/sub notices. */
const MODES = ['embedded', 'memory', 'redis'] as const;

const call = adminCall;

const heartbeat = (gw: RunningGateway, identity: string, headers: Record<string, string> = {}) =>
  post(gw.soapUrl, envelope(HEARTBEAT, { identity }), headers);

for (const mode of MODES) {
  describe(`charger settings at run time (${mode})`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;
    const logLines: string[] = [];
    const secret = 'soap-pass-5a9c21e7';

    before(async () => {
      csms = await new TestCsms().start();
      gw = await startGateway(
        mode === 'memory' ? 'embedded' : mode,
        csms.url,
        {
          admission: 'allowlist',
          chargers: { 'CP-FILE': { route: 'csms', idTokenType: 'Central' } },
          ...(mode === 'memory' ? { store: 'memory' } : {}),
        },
        undefined,
        logLines,
      );
    });
    after(async () => {
      await gw.stop();
      await csms.stop();
    });

    it('a charger added through the API is served from its next message, and audited', async () => {
      assertFault(await heartbeat(gw, 'CP-NEW'), 'Sender', 'SecurityError', /not on the allowlist/);
      const put = await call(gw, 'PUT', '/api/chargers/CP-NEW/settings', { idTokenType: 'KeyCode' });
      assert.equal(put.status, 200, put.text);
      assert.equal(put.json.origin, 'api');
      assertSoapResponse(await heartbeat(gw, 'CP-NEW'), { action: '/HeartbeatResponse', relatesTo: RELATES });
      const audit = await call(gw, 'GET', '/api/audit?identity=CP-NEW');
      assert.equal(audit.json.records[0].action, 'create');
      assert.match(audit.json.records[0].actor, /@127\.0\.0\.1$/);
      assert.deepEqual(audit.json.records[0].after, { idTokenType: 'KeyCode' });
    });

    it('bad input is refused naming the field, and nothing is stored', async () => {
      const cases: [string, unknown, string][] = [
        ['CP-BAD', { colour: 'red' }, 'colour'],
        ['CP-BAD', { sources: ['10.0.0.0/33'] }, 'sources'],
        ['CP-BAD', { callbackUrl: 'not a url' }, 'callbackUrl'],
        ['CP-BAD', { clientCertFile: '/etc/passwd' }, 'clientCertFile'],
        ['X'.repeat(49), {}, 'identity'],
      ];
      for (const [identity, body, field] of cases) {
        const res = await call(gw, 'PUT', `/api/chargers/${identity}/settings`, body);
        assert.equal(res.status, 400, `${field}: ${res.text}`);
        assert.ok(
          res.json.problems.some((p: { field: string }) => p.field === field),
          `${field} named: ${res.text}`,
        );
        assert.equal((await call(gw, 'GET', `/api/chargers/${identity}/settings`)).status, 404);
      }
    });

    it('PATCH merges and null removes; keys the file sets win and cannot be changed through the API', async () => {
      await call(gw, 'PUT', '/api/chargers/CP-PATCH/settings', { timezone: '+01:00', pinSource: false });
      const patched = await call(gw, 'PATCH', '/api/chargers/CP-PATCH/settings', {
        timezone: null,
        dialect: 'ocpp1.6-soap',
      });
      assert.deepEqual(patched.json.settings, { pinSource: false, dialect: 'ocpp1.6-soap' });
      assert.equal(gw.config.chargers['CP-PATCH']?.dialect, 'ocpp1.6-soap');
      assert.equal(gw.config.chargers['CP-PATCH']?.timezone, undefined);
      const conflict = await call(gw, 'PATCH', '/api/chargers/CP-FILE/settings', { idTokenType: 'eMAID' });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.json.problems[0].field, 'idTokenType');
      const other = await call(gw, 'PATCH', '/api/chargers/CP-FILE/settings', { timezone: '+02:00' });
      assert.equal(other.status, 200, other.text);
      assert.equal(other.json.origin, 'api');
      assert.deepEqual(other.json.fileKeys, ['route', 'idTokenType']);
      assert.equal(gw.config.chargers['CP-FILE']?.idTokenType, 'Central');
      assert.equal(gw.config.chargers['CP-FILE']?.timezone, '+02:00');
    });

    it('a SOAP password is write-only, stored hashed, and checked from the next message', async () => {
      const put = await call(gw, 'PUT', '/api/chargers/CP-AUTH/settings', { soapPassword: secret });
      assert.equal(put.json.settings.soapPassword, '(set)');
      assert.match(String(gw.config.chargers['CP-AUTH']?.soapPassword), /^scrypt:/);
      assertFault(await heartbeat(gw, 'CP-AUTH'), 'Sender', 'SecurityError', /authentication required/);
      assertFault(await heartbeat(gw, 'CP-AUTH', basic('CP-AUTH', 'wrong')), 'Sender', 'SecurityError', /failed/);
      assertSoapResponse(await heartbeat(gw, 'CP-AUTH', basic('CP-AUTH', secret)), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
      // A change of everything else keeps the password (it is write-only, so a form never sends it back).
      await call(gw, 'PUT', '/api/chargers/CP-AUTH/settings', { timezone: 'Z' });
      assertSoapResponse(await heartbeat(gw, 'CP-AUTH', basic('CP-AUTH', secret)), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
      const everything = [
        (await call(gw, 'GET', '/api/audit?limit=1000')).text,
        (await call(gw, 'GET', '/api/chargers/settings')).text,
        (await call(gw, 'GET', '/api/chargers/export?format=csv')).text,
        ...logLines,
      ].join('\n');
      assert.ok(!everything.includes(secret), 'the password is in no answer, audit record or log line');
    });

    it('a CSMS password is refused without STORE_SECRET_KEY, with the reason', async () => {
      const res = await call(gw, 'PATCH', '/api/chargers/CP-NEW/settings', { basicAuthPassword: 'csms-pass-1' });
      assert.equal(res.status, 409);
      assert.match(res.json.problems[0].message, /STORE_SECRET_KEY/);
    });

    it('retire: the CSMS connection closes, later messages are refused, the retirement is audited', async () => {
      assertSoapResponse(await heartbeat(gw, 'CP-NEW'), { action: '/HeartbeatResponse', relatesTo: RELATES });
      await until(() => csms.clients.has('CP-NEW'), 'the CSMS connection of CP-NEW');
      const res = await call(gw, 'DELETE', '/api/chargers/CP-NEW/settings?reason=decommissioned');
      assert.equal(res.status, 200, res.text);
      assert.ok(res.json.retiredAt);
      assert.equal(gw.gateway.upstream.peek('CP-NEW'), undefined);
      assertFault(await heartbeat(gw, 'CP-NEW'), 'Sender', 'SecurityError', /retired/);
      const audit = await call(gw, 'GET', '/api/audit?identity=CP-NEW&limit=1');
      assert.equal(audit.json.records[0].action, 'retire');
      assert.equal(audit.json.records[0].detail, 'decommissioned');
      const listed = await call(gw, 'GET', '/api/chargers/settings?retired=true');
      assert.deepEqual(
        listed.json.chargers.map((c: { identity: string }) => c.identity),
        ['CP-NEW'],
      );
    });

    it('the OpenAPI document describes the settings endpoints', async () => {
      const doc = await call(gw, 'GET', '/api/openapi.json');
      assert.equal(doc.status, 200);
      assert.match(doc.json.openapi, /^3\./);
      for (const path of [
        '/api/chargers/{identity}/settings',
        '/api/chargers/import',
        '/api/chargers/export',
        '/api/audit',
      ])
        assert.ok(doc.json.paths[path], path);
      assert.equal(doc.json.components.schemas.ChargerSettings.properties.soapPassword.writeOnly, true);
    });
  });
}

for (const mode of ['embedded', 'redis'] as const) {
  describe(`retiring a charger with stored messages (${mode})`, () => {
    it('the messages it was answered for are still delivered; its new ones are refused', async () => {
      let csms = await new TestCsms().start();
      const port = csms.port;
      const gw = await startGateway(mode, csms.url, {
        admission: 'allowlist',
        csmsTimeoutMs: 600,
        reconnectMinMs: 50,
        reconnectMaxMs: 200,
      });
      const stop =
        '<cs:stopTransactionRequest><cs:transactionId>77</cs:transactionId><cs:timestamp>2024-05-01T12:05:00Z</cs:timestamp><cs:meterStop>3</cs:meterStop></cs:stopTransactionRequest>';
      try {
        await call(gw, 'PUT', '/api/chargers/CP-GONE/settings', {});
        assertSoapResponse(await heartbeat(gw, 'CP-GONE'), { action: '/HeartbeatResponse', relatesTo: RELATES });
        await csms.stop();
        assertSoapResponse(await post(gw.soapUrl, envelope(stop, { identity: 'CP-GONE' })), {
          action: '/StopTransactionResponse',
          relatesTo: RELATES,
        });
        const retired = await call(gw, 'DELETE', '/api/chargers/CP-GONE/settings?reason=removed');
        assert.equal(retired.status, 200, retired.text);
        assertFault(await heartbeat(gw, 'CP-GONE'), 'Sender', 'SecurityError', /retired/);
        csms = await new TestCsms().start(port);
        const delivered = await csms.waitForCall(
          (c) => c.identity === 'CP-GONE' && c.action === 'StopTransaction',
          15_000,
        );
        assert.equal(delivered.payload.transactionId, 77);
      } finally {
        await gw.stop();
        await csms.stop();
      }
    });
  });
}
