import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { launchChromium } from '../helpers/browser.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { type QueueMode, type RunningGateway, startGateway } from '../helpers/gateway-harness.js';
import { assertFault, assertSoapResponse, envelope, post, responseFields } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'admin-token-for-pending-tests';
const auth = { Authorization: `Bearer ${TOKEN}` };
const boot = (vendor: string, model: string) =>
  `<cs:bootNotificationRequest><cs:chargePointVendor>${vendor}</cs:chargePointVendor><cs:chargePointModel>${model}</cs:chargePointModel></cs:bootNotificationRequest>`;
const heartbeat = '<cs:heartbeatRequest/>';
/** The MessageID that envelope() gives every request, echoed as RelatesTo. */
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';

// Response bodies of the admin API, read loosely: the assertions check their shape.
const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();
const api = (gw: RunningGateway, path: string, method = 'GET', body?: unknown) =>
  fetch(`${gw.adminUrl}/api/chargers/pending${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
const pendingOf = async (gw: RunningGateway, identity: string) =>
  (await json(api(gw, ''))).pending.find((p: { identity: string }) => p.identity === identity);
const metric = async (gw: RunningGateway, name: string): Promise<number | undefined> => {
  const text = await (await fetch(`${gw.adminUrl}/metrics`, { headers: auth })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};
const refused = async (gw: RunningGateway, identity: string, body = heartbeat, reason = /not approved/) =>
  assertFault(await post(gw.soapUrl, envelope(body, { identity })), 'Sender', 'SecurityError', reason);

for (const mode of ['embedded', 'redis'] as QueueMode[]) {
  describe(`pending chargers (ADMISSION=approve, ${mode})`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;

    before(async () => {
      csms = await new TestCsms().start();
      gw = await startGateway(mode, csms.url, { admission: 'approve', adminToken: TOKEN });
    });
    after(async () => {
      await gw.stop();
      await csms.stop();
    });

    it('an unknown identity is refused as before and listed with what its messages said', async () => {
      await refused(gw, 'CP-NEW', boot('VendorX', 'ModelY'));
      await refused(gw, 'CP-NEW');
      await refused(gw, 'CP-NEW');
      await until(async () => (await pendingOf(gw, 'CP-NEW'))?.count === 3, 'CP-NEW listed with three knocks');
      const p = await pendingOf(gw, 'CP-NEW');
      assert.deepEqual([p.vendor, p.model, p.dialect, p.address], ['VendorX', 'ModelY', 'ocpp1.5-soap', '127.0.0.1']);
      assert.ok(Date.parse(p.firstSeen) <= Date.parse(p.lastSeen));
      assert.equal(csms.clients.size, 0, 'the CSMS never saw it');
      assert.equal(await metric(gw, 'ocppgw_pending_chargers'), 1);
    });

    it('bad input: an unknown identity is 404, a bad body 400 naming the field; nothing is decided', async () => {
      await refused(gw, 'CP-INPUT');
      await until(async () => (await pendingOf(gw, 'CP-INPUT')) !== undefined, 'CP-INPUT listed');
      assert.equal((await api(gw, '/NOPE/approve', 'POST', {})).status, 404);
      assert.equal((await api(gw, '/NOPE/reject', 'POST', {})).status, 404);
      assert.equal((await api(gw, '/rejected/NOPE', 'DELETE')).status, 404);
      const cases: [unknown, RegExp][] = [
        [{ settings: 'x' }, /settings must be an object/],
        [{ settings: { callbackUrl: 'not a url' } }, /settings\.callbackUrl/],
        [{ settings: { colour: 'red' } }, /settings.*colour/],
        [{ reason: 7 }, /reason must be a string/],
        [{ colour: 'red' }, /unknown field "colour"/],
        ['[1]', /must be a JSON object/],
        ['{not json', /not valid JSON/],
      ];
      for (const [body, error] of cases) {
        const res = await api(gw, '/CP-INPUT/approve', 'POST', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match((await json(res)).error, error);
      }
      const long = 'X'.repeat(gw.config.maxIdentityLength + 1);
      assert.match((await json(api(gw, `/${long}/approve`, 'POST', {}))).error, /identity longer than 48/);
      assert.ok(await pendingOf(gw, 'CP-INPUT'), 'still pending');
      await refused(gw, 'CP-INPUT');
    });

    it('approved: served from its next message, no longer pending, the decision names who made it', async () => {
      await until(async () => (await pendingOf(gw, 'CP-NEW')) !== undefined, 'CP-NEW pending');
      const res = await api(gw, '/CP-NEW/approve', 'POST', { reason: 'new site, ticket 42' });
      assert.equal(res.status, 200);
      assert.deepEqual(await json(res), {
        identity: 'CP-NEW',
        approved: true,
        by: 'bearer token',
        reason: 'new site, ticket 42',
      });
      const reply = await post(gw.soapUrl, envelope(boot('VendorX', 'ModelY'), { identity: 'CP-NEW' }));
      assertSoapResponse(reply, { action: '/BootNotificationResponse', relatesTo: RELATES });
      assert.deepEqual(responseFields(reply, 'bootNotificationResponse')[0], ['status', 'Accepted']);
      assert.equal(await pendingOf(gw, 'CP-NEW'), undefined);
      const { decisions } = await json(api(gw, '/approved'));
      assert.deepEqual(
        decisions.map((d: { identity: string; by: string; address: string }) => [d.identity, d.by, d.address]),
        [['CP-NEW', 'bearer token', '127.0.0.1']],
      );
      assert.equal((await api(gw, '/CP-NEW/approve', 'POST', {})).status, 409, 'approved once');
      assert.deepEqual(csms.schemaFailures, []);
    });

    it('approved with settings: they apply at once (a SOAP password is then required) and are never shown', async () => {
      await refused(gw, 'CP-SET');
      await until(async () => (await pendingOf(gw, 'CP-SET')) !== undefined, 'CP-SET pending');
      const settings = { soapPassword: 'site-secret-1234', idTokenType: 'Central' };
      assert.equal((await api(gw, '/CP-SET/approve', 'POST', { settings })).status, 200);
      assertFault(
        await post(gw.soapUrl, envelope(heartbeat, { identity: 'CP-SET' })),
        'Sender',
        'SecurityError',
        /HTTP Basic authentication required/,
      );
      const basic = `Basic ${Buffer.from('CP-SET:site-secret-1234').toString('base64')}`;
      assertSoapResponse(
        await post(gw.soapUrl, envelope(heartbeat, { identity: 'CP-SET' }), { Authorization: basic }),
        { action: '/HeartbeatResponse', relatesTo: RELATES },
      );
      const text = JSON.stringify(await json(api(gw, '/approved')));
      assert.doesNotMatch(text, /site-secret/);
      assert.match(text, /"soapPassword":"\(set\)"/);
    });

    it('rejected: refused and not listed again until the rejection is cleared', async () => {
      await refused(gw, 'CP-BAD');
      await until(async () => (await pendingOf(gw, 'CP-BAD')) !== undefined, 'CP-BAD pending');
      assert.equal((await api(gw, '/CP-BAD/reject', 'POST', { reason: 'not ours' })).status, 200);
      assert.equal(await pendingOf(gw, 'CP-BAD'), undefined);
      // A later identity's knock is written in the same batch or after: once it is listed, CP-BAD's would be too.
      await refused(gw, 'CP-BAD');
      await refused(gw, 'CP-MARK');
      await until(async () => (await pendingOf(gw, 'CP-MARK')) !== undefined, 'CP-MARK listed');
      assert.equal(await pendingOf(gw, 'CP-BAD'), undefined, 'a rejected identity is not listed again');
      const { decisions } = await json(api(gw, '/rejected'));
      assert.deepEqual(
        decisions.map((d: { identity: string; reason: string }) => [d.identity, d.reason]),
        [['CP-BAD', 'not ours']],
      );
      assert.equal((await api(gw, '/rejected/CP-BAD', 'DELETE')).status, 200);
      await refused(gw, 'CP-BAD');
      await until(async () => (await pendingOf(gw, 'CP-BAD')) !== undefined, 'CP-BAD listed again once cleared');
    });

    it('a revoked approval refuses the charger again: its settings record is retired', async () => {
      assert.equal((await api(gw, '/approved/CP-NEW', 'DELETE')).status, 200);
      await refused(gw, 'CP-NEW', heartbeat, /retired in the admin API/);
      assert.equal((await api(gw, '/approved/CP-NEW', 'DELETE')).status, 404);
    });
  });

  describe(`pending chargers: a flood of invented identities stays within PENDING_MAX (${mode})`, () => {
    it('the list stays at the bound, the least recently heard are dropped and counted', async () => {
      const csms = await new TestCsms().start();
      const gw = await startGateway(mode, csms.url, { admission: 'approve', adminToken: TOKEN, pendingMax: 20 });
      try {
        const identities = Array.from({ length: 150 }, (_, i) => `FLOOD-${i}-${randomUUID().slice(0, 8)}`);
        for (let i = 0; i < identities.length; i += 25)
          await Promise.all(identities.slice(i, i + 25).map((id) => refused(gw, id)));
        await until(async () => (await json(api(gw, ''))).dropped === 130, '130 dropped', 15_000);
        const list = await json(api(gw, ''));
        assert.equal(list.total, 20);
        assert.equal(list.max, 20);
        assert.equal(list.pending.length, 20);
        assert.equal(await metric(gw, 'ocppgw_pending_chargers'), 20);
        assert.equal(await metric(gw, 'ocppgw_pending_chargers_dropped_total'), 130);
      } finally {
        await gw.stop();
        await csms.stop();
      }
    });
  });
}

describe('pending chargers with two Redis instances', () => {
  it('an approval on one instance is served by the other within 1 s', async () => {
    const csms = await new TestCsms().start();
    const redisPrefix = `gwtest-${randomUUID().slice(0, 8)}`;
    const options = { admission: 'approve', adminToken: TOKEN, redisPrefix };
    const a = await startGateway('redis', csms.url, options);
    const b = await startGateway('redis', csms.url, options);
    try {
      await refused(a, 'CP-TWO', boot('VendorZ', 'ModelQ'));
      await until(async () => (await pendingOf(b, 'CP-TWO'))?.vendor === 'VendorZ', 'B to list what A refused');
      assert.equal((await api(b, '/CP-TWO/approve', 'POST', { settings: { idTokenType: 'Central' } })).status, 200);
      const approvedAt = Date.now();
      await until(
        async () => (await post(a.soapUrl, envelope(heartbeat, { identity: 'CP-TWO' }))).status === 200,
        'A to serve CP-TWO',
        5_000,
      );
      const elapsed = Date.now() - approvedAt;
      assert.ok(elapsed < 1_000, `A served the approved charger ${elapsed} ms after the approval on B`);
      assert.equal(a.config.chargers['CP-TWO']?.idTokenType, 'Central', 'the approved settings apply on A too');
      assert.equal(await pendingOf(a, 'CP-TWO'), undefined);
    } finally {
      await a.stop();
      await b.stop();
      await csms.stop();
    }
  });
});

describe('pending chargers without ADMISSION=approve', () => {
  it('the API says which admission mode is in use', async () => {
    const csms = await new TestCsms().start();
    const gw = await startGateway('embedded', csms.url, { admission: 'allowlist', adminToken: TOKEN });
    try {
      const res = await api(gw, '');
      assert.equal(res.status, 409);
      assert.match((await json(res)).error, /ADMISSION=approve; this gateway's admission is allowlist/);
    } finally {
      await gw.stop();
      await csms.stop();
    }
  });
});

describe('pending chargers on the dashboard, in headless Chromium', () => {
  it('lists the pending identities as text; Approve with settings and a reason, Reject, Clear', async () => {
    const csms = await new TestCsms().start();
    const gw = await startGateway('embedded', csms.url, { admission: 'approve', adminToken: TOKEN });
    const hostile = '<img src=x onerror=window.xss=1>';
    const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const browser = await launchChromium();
    try {
      await refused(gw, 'CP-WEB', boot('VendorW', 'ModelW'));
      await refused(gw, 'CP-SPAM');
      await refused(gw, xml(hostile), boot(xml(hostile), 'M'));
      await until(async () => (await json(api(gw, ''))).total === 3, 'three pending identities');
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(`${d.type()}: ${d.message()}`);
        void (d.type() === 'prompt' ? d.accept('checked on site') : d.accept());
      });
      await page.goto(`${gw.adminUrl}/dashboard/?token=${TOKEN}`);
      await page.click('a[href="#/pending"]');
      await page.waitForSelector('#pending tr.pending-row[data-id="CP-WEB"]');
      assert.equal(await page.locator('#pending tr.pending-row').count(), 3);
      const row = (await page.textContent('#pending tr.pending-row[data-id="CP-WEB"]')) ?? '';
      assert.match(row, /VendorW ModelW/);
      assert.match(row, /ocpp1\.5-soap/);
      assert.match(row, /127\.0\.0\.1/);
      assert.match((await page.textContent('#pending')) ?? '', /<img src=x onerror=window\.xss=1>/, 'shown as text');
      assert.equal(await page.locator('#view img').count(), 0, 'no markup from a charger rendered');
      assert.equal(await page.evaluate('typeof window.xss'), 'undefined');
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/dashboard-pending.png', fullPage: true });

      // Approve CP-WEB with settings: it leaves the list, the decision names the session, the settings apply.
      await page.click('#approve-settings-box summary');
      await page.fill('#approve-settings', '{"idTokenType": "Central"}');
      await page.click('#pending button[data-pending="approve"][data-id="CP-WEB"]');
      await page.waitForSelector('#approved tr.decision[data-id="CP-WEB"]');
      assert.equal(await page.locator('#pending tr.pending-row[data-id="CP-WEB"]').count(), 0);
      const decision = (await page.textContent('#approved tr.decision[data-id="CP-WEB"]')) ?? '';
      assert.match(decision, /session:[0-9a-f]{8}/);
      assert.match(decision, /checked on site/);
      assert.match(decision, /"idTokenType":"Central"/);
      assert.equal(gw.config.chargers['CP-WEB']?.idTokenType, 'Central');
      const reply = await post(gw.soapUrl, envelope(boot('VendorW', 'ModelW'), { identity: 'CP-WEB' }));
      assertSoapResponse(reply, { action: '/BootNotificationResponse', relatesTo: RELATES });

      // Reject CP-SPAM: listed under Rejected, and its next messages do not bring it back.
      await page.click('#pending button[data-pending="reject"][data-id="CP-SPAM"]');
      await page.waitForSelector('#rejected tr.decision[data-id="CP-SPAM"]');
      await refused(gw, 'CP-SPAM');
      await refused(gw, 'CP-LATER');
      await page.waitForSelector('#pending tr.pending-row[data-id="CP-LATER"]');
      assert.equal(await page.locator('#pending tr.pending-row[data-id="CP-SPAM"]').count(), 0);
      await page.screenshot({ path: 'test-artifacts/dashboard-pending-decided.png', fullPage: true });
      assert.ok(statSync('test-artifacts/dashboard-pending-decided.png').size > 10_000);

      // Clear the rejection: it is listed again at its next message.
      await page.click('#rejected button[data-undo="rejected"][data-id="CP-SPAM"]');
      await page.waitForSelector('#rejected-none');
      await refused(gw, 'CP-SPAM');
      await page.waitForSelector('#pending tr.pending-row[data-id="CP-SPAM"]');
      assert.deepEqual(dialogs, [
        'prompt: Why approve CP-WEB? (logged; may stay empty)',
        'prompt: Why reject CP-SPAM? (logged; may stay empty)',
        'confirm: Clear the rejection of CP-SPAM?',
      ]);
    } finally {
      await browser.close();
      await gw.stop();
      await csms.stop();
    }
  });
});
