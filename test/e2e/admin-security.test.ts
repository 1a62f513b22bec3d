import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { launchChromium } from '../helpers/browser.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { makePki } from '../helpers/certs.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';

/** The admin port's defences (README.md, "Security"): sessions, headers, the Host check, read-only queue board. */
const TOKEN = 'admin-token-for-security-tests';

const headersOf = (res: Response) => Object.fromEntries(res.headers.entries());

describe('admin surface: the token is exchanged for a session, never carried in links or storage', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway('embedded', csms.url, { adminToken: TOKEN });
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('every admin response carries the security headers, errors and health checks included', async () => {
    for (const path of ['/health', '/dashboard/', '/dashboard/app.js', '/api/chargers', '/metrics', '/nothing-here']) {
      const h = headersOf(await fetch(`${gw.adminUrl}${path}`, { redirect: 'manual' }));
      assert.match(
        h['content-security-policy'] ?? '',
        /default-src 'self'; script-src 'self';.*frame-ancestors 'none'/,
        path,
      );
      assert.equal(h['x-frame-options'], 'DENY', path);
      assert.equal(h['x-content-type-options'], 'nosniff', path);
      assert.equal(h['referrer-policy'], 'no-referrer', path);
    }
  });

  it('?token= works only on the dashboard entry URL, which answers with a session cookie and a redirect without it', async () => {
    for (const path of ['/api/chargers', '/metrics'])
      assert.equal((await fetch(`${gw.adminUrl}${path}?token=${TOKEN}`)).status, 401, `${path}?token= is no key`);
    const entry = await fetch(`${gw.adminUrl}/dashboard/?token=${TOKEN}`, { redirect: 'manual' });
    assert.equal(entry.status, 303);
    assert.equal(entry.headers.get('location'), '/dashboard/');
    const cookie = entry.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^ocppgw_session=[0-9a-f]{64};/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.match(cookie, /Max-Age=\d+/i);
    assert.doesNotMatch(cookie, /Secure/i, 'plain HTTP: no Secure flag');
    assert.ok(!cookie.includes(TOKEN), 'the cookie holds a session id, not the token');
    const session = cookie.split(';')[0]!;
    assert.equal((await fetch(`${gw.adminUrl}/api/chargers`, { headers: { Cookie: session } })).status, 200);
    const wrong = await fetch(`${gw.adminUrl}/dashboard/?token=not-the-token-at-all`, { redirect: 'manual' });
    assert.deepEqual([wrong.status, wrong.headers.get('set-cookie')], [303, null], 'a wrong token gets no session');
    await fetch(`${gw.adminUrl}/logout`, { method: 'POST', headers: { Cookie: session } });
    assert.equal(
      (await fetch(`${gw.adminUrl}/api/chargers`, { headers: { Cookie: session } })).status,
      401,
      'logged out',
    );
    assert.equal(
      (await fetch(`${gw.adminUrl}/api/chargers`, { headers: { Cookie: `ocppgw_session=${'0'.repeat(64)}` } })).status,
      401,
      'a made-up session',
    );
  });

  it('login form: the right token gives a session, a wrong one a 401 and no cookie', async () => {
    const bad = await fetch(`${gw.adminUrl}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: 'wrong-wrong-wrong-wrong' }),
    });
    assert.deepEqual([bad.status, bad.headers.get('set-cookie')], [401, null]);
    const good = await fetch(`${gw.adminUrl}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: TOKEN }),
    });
    assert.equal(good.status, 200);
    assert.match(good.headers.get('set-cookie') ?? '', /^ocppgw_session=[0-9a-f]{64};/);
  });

  it('the Host header must be a loopback name (DNS rebinding); health checks stay open', async () => {
    // fetch does not let a page choose the Host header; a plain HTTP request does, as a rebinding attacker's does.
    const as = (host: string, path = '/api/chargers') =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest(
          `${gw.adminUrl}${path}`,
          { headers: { Host: host, Authorization: `Bearer ${TOKEN}` } },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    assert.equal((await as('attacker.example')).status, 421);
    assert.match((await as('attacker.example:8081')).text, /ADMIN_ALLOWED_HOSTS/);
    assert.equal((await as('attacker.example', '/health')).status, 200);
    for (const host of ['localhost', '127.0.0.1', '[::1]', `127.0.0.1:${new URL(gw.adminUrl).port}`])
      assert.equal((await as(host)).status, 200, host);
  });

  it('the dashboard logs in with the token once: no token in the address bar, in storage or in any link', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${gw.adminUrl}/dashboard/?token=${TOKEN}`);
      await page.waitForSelector('#fleet');
      assert.ok(!page.url().includes(TOKEN), page.url());
      // Run in the page (a string: this file is compiled without the DOM's types).
      const stored = (await page.evaluate(
        'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie',
      )) as string;
      assert.ok(!stored.includes(TOKEN), 'nothing the page can read holds the token');
      const links = (await page.evaluate('[...document.querySelectorAll("a")].map((a) => a.href)')) as string[];
      assert.ok(
        links.every((href) => !href.includes('token')),
        links.join(' '),
      );
      // A fresh browser without the session is asked to log in, and the form logs it in.
      const fresh = await (await browser.newContext()).newPage();
      await fresh.goto(`${gw.adminUrl}/dashboard/`);
      await fresh.waitForSelector('#login:not([hidden])');
      await fresh.fill('#token', TOKEN);
      await fresh.click('#login-form button');
      await fresh.waitForSelector('#fleet');
    } finally {
      await browser.close();
    }
  });
});

describe('admin surface over HTTPS', () => {
  it('serves the admin port with the configured certificate, and marks the session cookie Secure', async () => {
    const pki = makePki();
    const csms = await new TestCsms().start();
    const gw = await startGateway('embedded', csms.url, {
      adminToken: TOKEN,
      adminTlsCertFile: pki.serverCert,
      adminTlsKeyFile: pki.serverKey,
    });
    try {
      const url = new URL(`${gw.adminUrl.replace('http:', 'https:')}/dashboard/?token=${TOKEN}`);
      const cookie = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(url, { ca: pki.read(pki.caCert) }, (res) => {
          res.resume();
          resolve(String(res.headers['set-cookie'] ?? ''));
        });
        req.on('error', reject);
        req.end();
      });
      assert.match(cookie, /ocppgw_session=[0-9a-f]{64};.*Secure/i);
    } finally {
      await gw.stop();
      await csms.stop();
    }
  });
});

describe('the queue board (Redis) is read-only unless QUEUE_BOARD_WRITE', () => {
  let csms: TestCsms;
  const gateways: RunningGateway[] = [];
  before(async () => {
    csms = await new TestCsms().start();
  });
  after(async () => {
    for (const gw of gateways) await gw.stop();
    await csms.stop();
  });

  /** What the board answers to emptying the first partition queue, the one action that deletes jobs wholesale. */
  const emptyFirstQueue = async (write: boolean): Promise<number> => {
    const gw = await startGateway('redis', csms.url, { adminToken: TOKEN, queueBoardWrite: write });
    gateways.push(gw);
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const list = (await (await fetch(`${gw.adminUrl}/queues/api/queues`, { headers: auth })).json()) as {
      queues: { name: string }[];
    };
    assert.equal(list.queues.length, gw.config.partitions, 'the board shows every partition queue');
    const name = encodeURIComponent(list.queues[0]!.name);
    return (await fetch(`${gw.adminUrl}/queues/api/queues/${name}/empty`, { method: 'PUT', headers: auth })).status;
  };

  it('refuses to empty a queue by default (405), and allows it when QUEUE_BOARD_WRITE is set', async () => {
    assert.equal(await emptyFirstQueue(false), 405);
    assert.equal(await emptyFirstQueue(true), 200);
  });
});
