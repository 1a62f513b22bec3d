import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';

/**
 * The admin port against other web pages and guessers (docs/architecture.md#the-admin-port,
 * docs/architecture.md#throttling): writes only from its own origin and, on /api, only as JSON; wrong tokens
 * throttled per address and counted; errors without stack traces.
 */
const TOKEN = 'admin-token-for-hostile-tests';

/** One admin request from a chosen loopback address (each test guesses from its own, so throttles do not mix). */
function adminRequest(
  gw: RunningGateway,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {},
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${gw.adminUrl}${path}`,
      { method: init.method ?? 'GET', headers: init.headers, localAddress: init.from ?? '127.0.0.1' },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('admin port: cross-site writes, guessing, error pages', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  const bearer = { Authorization: `Bearer ${TOKEN}` };
  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway('embedded', csms.url, { adminToken: TOKEN });
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('a write from another origin is refused 403, token or not; /api writes must be JSON', async () => {
    const own = gw.adminUrl;
    const otherPort = own.replace(/:(\d+)$/, (_m, p: string) => `:${Number(p) + 1}`);
    const reconnect = '/api/chargers/CP-X/reconnect';
    const cases: [Record<string, string>, number][] = [
      [{ ...bearer, Origin: 'http://evil.example', 'Content-Type': 'application/json' }, 403],
      [{ ...bearer, Origin: otherPort, 'Content-Type': 'application/json' }, 403],
      [{ Origin: 'http://evil.example', 'Content-Type': 'text/plain' }, 403],
      [{ ...bearer, 'Sec-Fetch-Site': 'same-site', 'Content-Type': 'application/json' }, 403],
      [{ ...bearer, 'Content-Type': 'application/x-www-form-urlencoded' }, 415],
      [{ ...bearer, 'Content-Type': 'text/plain' }, 415],
      // Past the guard: the charger API answers (CP-X has no connection to reconnect).
      [{ ...bearer, Origin: own, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/json' }, 409],
      [bearer, 409],
    ];
    for (const [headers, status] of cases) {
      const res = await adminRequest(gw, reconnect, {
        method: 'POST',
        headers,
        body: headers['Content-Type'] ? '{}' : '',
      });
      assert.equal(res.status, status, JSON.stringify(headers));
    }
    const login = await adminRequest(gw, '/login', {
      method: 'POST',
      headers: { Origin: 'http://evil.example', 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: TOKEN }),
    });
    assert.equal(login.status, 403, 'no login from another site either');
  });

  it('wrong tokens are throttled per address and counted, at /login and in Bearer headers alike', async () => {
    const json = { 'Content-Type': 'application/json' };
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push(
        (
          await adminRequest(gw, '/login', {
            method: 'POST',
            headers: json,
            body: JSON.stringify({ token: `guess-${i}` }),
            from: '127.0.0.21',
          })
        ).status,
      );
    assert.deepEqual(statuses, [...Array(10).fill(401), 429]);
    const right = await adminRequest(gw, '/api/chargers', { headers: bearer, from: '127.0.0.21' });
    assert.equal(right.status, 429, 'the guessing address waits, whatever it sends');
    assert.ok(Number(right.headers['retry-after']) > 0);
    assert.equal(
      (await adminRequest(gw, '/api/chargers', { headers: bearer })).status,
      200,
      'other addresses are served',
    );
    for (let i = 0; i < 10; i++)
      await adminRequest(gw, '/api/chargers', { headers: { Authorization: `Bearer guess-${i}` }, from: '127.0.0.22' });
    assert.equal((await adminRequest(gw, '/api/chargers', { headers: bearer, from: '127.0.0.22' })).status, 429);
    const metrics = (await adminRequest(gw, '/metrics', { headers: bearer })).text;
    assert.match(metrics, /^ocppgw_admin_auth_failures_total\{via="login"\} 10$/m);
    assert.match(metrics, /^ocppgw_admin_auth_failures_total\{via="bearer"\} 10$/m);
  });

  it('a malformed JSON body gets one JSON line, never a stack trace, with the token or without', async () => {
    for (const headers of [{}, bearer]) {
      const res = await adminRequest(gw, '/api/chargers/CP-X/route', {
        method: 'PUT',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: '{"route": ',
        from: '127.0.0.23',
      });
      assert.ok([400, 401].includes(res.status), String(res.status));
      assert.doesNotMatch(res.text, /at \w+ \(|node_modules|\/src\/|<html/i);
      assert.ok(JSON.parse(res.text).error);
    }
  });

  it('repin stores an IPv4-mapped address as the plain address the socket will show', async () => {
    const res = await adminRequest(gw, '/api/chargers/CP-PIN/repin', {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'moved behind a new router', address: '::ffff:10.0.0.5' }),
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(JSON.parse(res.text).pinnedSource, '10.0.0.5');
    assert.equal(await gw.gateway.registry.pins.pinnedSource('CP-PIN'), '10.0.0.5');
  });
});
