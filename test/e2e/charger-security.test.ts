import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertFault, assertSoapResponse, envelope, post, postFrom } from '../helpers/soap.js';

/**
 * Nobody takes over a charger (docs/architecture.md#security): callback addresses, HTTP Basic throttling, and the
 * bounds on what a request may carry. Where a charger's messages come from: charger-source-pins.test.ts.
 */
const HEARTBEAT = '<cs:heartbeatRequest/>';
/** The MessageID that envelope() gives every request, echoed as RelatesTo. */
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';
const BOOT =
  '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>';

/** An HTTP server that counts every request it gets: a place the gateway must never be made to call. */
async function trap(): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('SECRET-BODY-OF-THE-TRAP: not a SOAP answer');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.3', r));
  return { server, url: `http://127.0.0.3:${(server.address() as AddressInfo).port}/cp`, hits: () => hits };
}

describe('callback addresses: a charger cannot be taken over by what another host sends in its name', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  let cp: NodeSoapChargePoint;
  const logLines: string[] = [];

  before(async () => {
    csms = await new TestCsms().start();
    cp = await new NodeSoapChargePoint().start();
    gw = await startGateway(
      'embedded',
      csms.url,
      {
        chargers: {
          'CP-PINNED': { sources: ['127.0.0.1/32'] },
          'CP-CRED': { callbackPolicy: 'any', callbackUserInfo: true },
        },
      },
      undefined,
      logLines,
    );
  });
  after(async () => {
    await gw.stop();
    await cp.stop();
    await csms.stop();
  });

  const callbackOf = async (identity: string) => (await gw.gateway.registry.contacts.contact(identity))?.callbackUrl;

  it('same-source (default): a message from 127.0.0.2 cannot point a charger at 127.0.0.3; commands still reach the charger', async () => {
    const evil = await trap();
    try {
      assertSoapResponse(await post(gw.soapUrl, envelope(BOOT, { identity: 'CP-1', from: cp.url })), {
        action: '/BootNotificationResponse',
        relatesTo: RELATES,
      });
      assert.equal(await callbackOf('CP-1'), cp.url);
      const hijack = await postFrom(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-1', from: evil.url }), '127.0.0.2');
      assert.equal(hijack.status, 200, 'the message itself is answered');
      assert.equal(await callbackOf('CP-1'), cp.url, 'the callback URL did not move');
      assert.ok(
        logLines.some((l) => l.includes('refused') && l.includes('127.0.0.3')),
        'the refusal is logged',
      );
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      assert.match(metrics, /ocppgw_callback_refused_total\{rule="not-sender"\} 1/);
      const result = await csms.clients.get('CP-1')!.call('RemoteStartTransaction', { idTag: 'TAG-1' });
      assert.deepEqual(result, { status: 'Accepted' });
      assert.equal(evil.hits(), 0, 'the attacker got nothing');
      assert.equal(cp.received.at(-1)?.operation, 'RemoteStartTransaction');
    } finally {
      evil.server.close();
    }
  });

  it('a charger with sources: a message from another address is refused and cannot move its callback', async () => {
    assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-PINNED', from: cp.url })), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    const other = await postFrom(
      gw.soapUrl,
      envelope(HEARTBEAT, { identity: 'CP-PINNED', from: 'http://127.0.0.2:9/cp' }),
      '127.0.0.2',
    );
    assert.equal(other.status, 400);
    assert.match(other.text, /SecurityError/);
    assert.match(other.text, /does not send from 127\.0\.0\.2/);
    assert.equal(await callbackOf('CP-PINNED'), cp.url);
  });

  it('no request is made to the admin port, the gateway itself or a metadata address', async () => {
    const adminPort = new URL(gw.adminUrl).port;
    const soapPort = new URL(gw.soapUrl).port;
    for (const from of [
      `http://127.0.0.1:${adminPort}/api/chargers/CP-SSRF/reconnect`,
      `http://localhost:${soapPort}/CentralSystemService`,
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-SSRF', from })), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
    }
    assert.equal(await callbackOf('CP-SSRF'), undefined);
    await assert.rejects(csms.clients.get('CP-SSRF')!.call('Reset', { type: 'Soft' }), /no callback URL known/);
    assert.ok(
      !logLines.some((l) => l.includes('upstream reconnect requested by an operator')),
      'the admin action never ran',
    );
  });

  it('credentials in a callback URL are used but never shown: status API, logs', async () => {
    const url = `http://operator:cp-secret-99@127.0.0.1:${new URL(cp.url).port}/ChargePointService`;
    assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-CRED', from: url })), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    const status = (await (await fetch(`${gw.adminUrl}/api/chargers/CP-CRED`)).json()) as {
      soap: { callbackUrl: string };
    };
    assert.equal(status.soap.callbackUrl, `http://***@127.0.0.1:${new URL(cp.url).port}/ChargePointService`);
    assert.ok(!JSON.stringify(status).includes('cp-secret-99'));
    assert.ok(!logLines.some((l) => l.includes('cp-secret-99')), 'no log line holds the password');
  });

  it("a CALLERROR names the HTTP status and the kind of failure, never bytes of the charger's answer", async () => {
    const evil = await trap();
    const local = await startGateway('embedded', csms.url, { chargers: { 'CP-TRAP': { callbackUrl: evil.url } } });
    try {
      assertSoapResponse(await post(local.soapUrl, envelope(HEARTBEAT, { identity: 'CP-TRAP' })), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
      const err = await csms.clients
        .get('CP-TRAP')!
        .call('ClearCache', {})
        .then(
          () => undefined,
          (e: Error) => e,
        );
      assert.match(String(err?.message), /not XML \(HTTP 200\)/);
      assert.ok(!String(err?.message).includes('SECRET'), String(err?.message));
    } finally {
      await local.stop();
      evil.server.close();
    }
  });
});

describe('requests that may not speak for a charger', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway('embedded', csms.url, {
      chargers: {
        'CP-AUTH': { soapPassword: 'the-right-password' },
        'CP-REAL': { soapPassword: 'real-password-0123' },
      },
    });
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('failed Basic authentication is throttled per identity and per address: 429 with Retry-After', async () => {
    const wrong = { Authorization: `Basic ${Buffer.from('CP-AUTH:wrong').toString('base64')}` };
    const statuses: number[] = [];
    // From an address of its own, so that the other tests' address is not throttled.
    for (let i = 0; i < 30; i++)
      statuses.push(
        (await postFrom(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-AUTH' }), '127.0.0.4', wrong)).status,
      );
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(400), 'the first ten are SecurityError faults');
    assert.ok(
      statuses.slice(10).every((s) => s === 429),
      String(statuses),
    );
    const right = { Authorization: `Basic ${Buffer.from('CP-AUTH:the-right-password').toString('base64')}` };
    const throttled = await postFrom(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-AUTH' }), '127.0.0.5', right);
    assert.equal(throttled.status, 429, 'the identity is throttled from any address');
    assert.ok(Number(throttled.headers['retry-after']) > 0);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /ocppgw_auth_failures_total 10/);
  });

  it("guessing a charger's password cannot lock out the charger nor its neighbours behind the guessing address", async () => {
    const basic = (password: string) => ({
      Authorization: `Basic ${Buffer.from(`CP-REAL:${password}`).toString('base64')}`,
    });
    const send = (address: string, identity: string, headers: Record<string, string> = {}) =>
      postFrom(gw.soapUrl, envelope(HEARTBEAT, { identity }), address, headers);
    assert.equal((await send('127.0.0.6', 'CP-REAL', basic('real-password-0123'))).status, 200, 'the real charger');
    const guesses: number[] = [];
    for (let i = 0; i < 12; i++) guesses.push((await send('127.0.0.7', 'CP-REAL', basic(`guess-${i}`))).status);
    assert.deepEqual(guesses.slice(10), [429, 429], 'the guesser is throttled');
    assert.equal(
      (await send('127.0.0.6', 'CP-REAL', basic('real-password-0123'))).status,
      200,
      'the charger is still served from the address it last authenticated from',
    );
    assert.equal((await send('127.0.0.8', 'CP-REAL', basic('real-password-0123'))).status, 429, 'not from elsewhere');
    assert.equal(
      (await send('127.0.0.7', 'CP-NEIGHBOUR')).status,
      200,
      'a charger without a password behind the guessing address is served',
    );
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /^ocppgw_auth_throttled_total [1-9]/m);
  });

  it('identities longer than MAX_IDENTITY_LENGTH and MessageIDs over 256 characters get Sender/ProtocolError', async () => {
    assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'C'.repeat(48) })), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    assertFault(
      await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'C'.repeat(49) })),
      'Sender',
      'ProtocolError',
      /longer than 48/,
    );
    const huge = 'm'.repeat(257);
    const reply = await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-MID', messageId: huge }));
    assertFault(reply, 'Sender', 'ProtocolError', /MessageID longer than 256/);
    assert.ok(!reply.text.includes(huge), 'an oversized MessageID is never echoed');
    assert.ok(reply.text.length < 2_000);
  });

  it('identities that name Object members are chargers like any other', async () => {
    for (const identity of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity })), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
    }
  });
});
