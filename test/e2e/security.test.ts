import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { createLogger } from '../../src/util/log.js';
import { UpstreamConnection } from '../../src/upstream/connection.js';
import { makePki, type TestPki } from '../helpers/certs.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertFault, assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { ocpp16 } from '../../src/ocpp/v16/protocol.js';

const HEARTBEAT = '<cs:heartbeatRequest/>';
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';
const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

describe('charger admission and SOAP authentication', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  const logLines: string[] = [];
  const secret = 'soap-secret-7f3a9c';

  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway(
      'embedded',
      csms.url,
      {
        admission: 'allowlist',
        chargers: {
          'CP-LISTED': {},
          'CP-DENIED': { allow: false },
          'CP-AUTH': { soapPassword: secret },
        },
      },
      undefined,
      logLines,
    );
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('allowlist: unknown identities and denied chargers get Sender/SecurityError; listed ones are served', async () => {
    assertFault(
      await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-STRANGER' })),
      'Sender',
      'SecurityError',
      /not on the allowlist/,
    );
    assertFault(
      await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-DENIED' })),
      'Sender',
      'SecurityError',
      /not allowed/,
    );
    assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-LISTED' })), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    assert.equal(csms.callsFor('CP-STRANGER').length + csms.callsFor('CP-DENIED').length, 0);
  });

  it('HTTP Basic: missing, wrong password, or a user name other than the identity -> SecurityError; correct -> served', async () => {
    const xml = envelope(HEARTBEAT, { identity: 'CP-AUTH' });
    assertFault(await post(gw.soapUrl, xml), 'Sender', 'SecurityError', /authentication required/);
    assertFault(
      await post(gw.soapUrl, xml, basic('CP-AUTH', 'wrong')),
      'Sender',
      'SecurityError',
      /authentication failed/,
    );
    assertFault(
      await post(gw.soapUrl, xml, basic('CP-LISTED', secret)),
      'Sender',
      'SecurityError',
      /does not match chargeBoxIdentity/,
    );
    assertSoapResponse(await post(gw.soapUrl, xml, basic('CP-AUTH', secret)), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    assert.ok(!logLines.some((l) => l.includes(secret)), 'the SOAP password appears in no log line');
  });

  it('requireSoapAuth refuses a charger that has no credentials configured', async () => {
    const strict = await startGateway('embedded', csms.url, { requireSoapAuth: true, chargers: { 'CP-OPEN': {} } });
    try {
      assertFault(
        await post(strict.soapUrl, envelope(HEARTBEAT, { identity: 'CP-OPEN' })),
        'Sender',
        'SecurityError',
        /no SOAP credentials configured/,
      );
    } finally {
      await strict.stop();
    }
  });
});

describe('TLS on the SOAP endpoint and towards the CSMS', () => {
  let pki: TestPki;
  before(() => {
    pki = makePki('CP-PROFILE3');
  });

  function postTls(
    url: string,
    body: string,
    client?: { cert: Buffer; key: Buffer },
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          ca: pki.read(pki.caCert),
          cert: client?.cert,
          key: client?.key,
          headers: { 'Content-Type': 'application/soap+xml' },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('serves HTTPS; with a client CA, a charger without a valid certificate is stopped at the handshake', async () => {
    const csms = await new TestCsms().start();
    const tls = await startGateway('embedded', csms.url, { tlsCertFile: pki.serverCert, tlsKeyFile: pki.serverKey });
    const mtls = await startGateway('embedded', csms.url, {
      tlsCertFile: pki.serverCert,
      tlsKeyFile: pki.serverKey,
      tlsClientCaFile: pki.caCert,
    });
    try {
      const url = tls.soapUrl.replace('http:', 'https:');
      assert.match(tls.config.publicUrl, /^https:/);
      const ok = await postTls(url, envelope(HEARTBEAT, { identity: 'CP-TLS' }));
      assert.equal(ok.status, 200);
      assert.match(ok.text, /HeartbeatResponse/);
      const mtlsUrl = mtls.soapUrl.replace('http:', 'https:');
      await assert.rejects(postTls(mtlsUrl, envelope(HEARTBEAT, { identity: 'CP-PROFILE3' })));
      const cert = { cert: pki.read(pki.clientCert), key: pki.read(pki.clientKey) };
      const withCert = await postTls(mtlsUrl, envelope(HEARTBEAT, { identity: 'CP-PROFILE3' }), cert);
      assert.equal(withCert.status, 200, 'the certificate names the identity (CN)');
      // A valid certificate issued to CP-PROFILE3 does not let its holder speak for another charger.
      const otherIdentity = await postTls(mtlsUrl, envelope(HEARTBEAT, { identity: 'CP-MTLS' }), cert);
      assert.equal(otherIdentity.status, 400);
      assert.match(otherIdentity.text, /SecurityError[\s\S]*does not name chargeBoxIdentity CP-MTLS/);
    } finally {
      await tls.stop();
      await mtls.stop();
      await csms.stop();
    }
  });

  it('upstream security profile 3: the charger client certificate is presented to a wss:// CSMS that requires one', async () => {
    const https = createHttpsServer({
      cert: pki.read(pki.serverCert),
      key: pki.read(pki.serverKey),
      ca: pki.read(pki.caCert),
      requestCert: true,
      rejectUnauthorized: true,
    });
    const subjects: string[] = [];
    const wss = new WebSocketServer({ server: https, handleProtocols: () => 'ocpp1.6' });
    wss.on('connection', (ws, req) => {
      subjects.push(String((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN));
      ws.on('message', (d) => {
        const [, id] = JSON.parse(d.toString()) as [number, string];
        ws.send(JSON.stringify([3, id, { currentTime: new Date().toISOString() }]));
      });
    });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    const url = `wss://127.0.0.1:${(https.address() as AddressInfo).port}/ocpp`;
    const base = {
      csmsUrl: url,
      identity: 'CP-PROFILE3',
      protocol: ocpp16,
      ca: pki.read(pki.caCert),
      pingIntervalSec: 0,
      reconnectMinMs: 50,
      reconnectMaxMs: 100,
      logger: createLogger('silent'),
      onCall: async () => ({ payload: {} }),
    };
    const withCert = new UpstreamConnection({
      ...base,
      clientCertificate: { cert: pki.read(pki.clientCert), key: pki.read(pki.clientKey) },
    });
    const without = new UpstreamConnection(base);
    try {
      assert.ok((await withCert.call('Heartbeat', {}, Date.now() + 3_000)).currentTime);
      assert.deepEqual(subjects, ['CP-PROFILE3']);
      await assert.rejects(without.call('Heartbeat', {}, Date.now() + 1_000));
    } finally {
      withCert.close();
      without.close();
      wss.close();
      https.close();
    }
  });
});
