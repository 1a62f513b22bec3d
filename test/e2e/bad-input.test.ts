import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { NS } from '../../src/soap/namespaces.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { QUEUE_MODES, startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertFault, assertSoapResponse, envelope, post } from '../helpers/soap.js';

const HEARTBEAT = '<cs:heartbeatRequest/>';

for (const mode of QUEUE_MODES) {
  describe(`bad input gets a clear answer and never hurts the gateway (${mode} queue)`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;

    before(async () => {
      csms = await new TestCsms().start();
      gw = await startGateway(mode, csms.url, {
        maxBodyBytes: 64 * 1024,
        httpHeadersTimeoutMs: 500,
        httpRequestTimeoutMs: 1_000,
      });
    });
    after(async () => {
      await gw.stop();
      await csms.stop();
    });

    const plain = async (body: string | Buffer, headers: Record<string, string> = {}) =>
      post(gw.soapUrl, body, headers);

    it('not XML, an HTML page, an empty body -> HTTP 400 with a one-line reason', async () => {
      for (const [body, reason] of [
        ['{"hello":"json"}', /^request body is not XML/],
        ['<html><body>Login required</body></html>', /^not a SOAP message: root element is <html>/],
        ['', /^empty request body/],
        ['<a:Envelope xmlns:a="urn:not-soap"/>', /^not a SOAP message: Envelope namespace urn:not-soap/],
      ] as const) {
        const reply = await plain(body);
        assert.equal(reply.status, 400);
        assert.match(reply.contentType, /^text\/plain/);
        assert.match(reply.text, reason);
        assert.equal(reply.text.trim().split('\n').length, 1);
      }
    });

    it('malformed XML -> Sender/ProtocolError', async () => {
      assertFault(
        await plain(`<s:Envelope xmlns:s="${NS.soap12}"><s:Body><cs:heartbeatRequest></s:Body>`),
        'Sender',
        'ProtocolError',
        /malformed XML/,
      );
    });

    it('missing chargeBoxIdentity -> Sender/ProtocolError', async () => {
      assertFault(await plain(envelope(HEARTBEAT, { identity: null })), 'Sender', 'ProtocolError', /chargeBoxIdentity/);
      assertFault(
        await plain(envelope(HEARTBEAT, { identity: '   ' })),
        'Sender',
        'ProtocolError',
        /chargeBoxIdentity/,
      );
    });

    it('unknown operation -> Receiver/NotSupported; OCPP 1.2 and 1.6-SOAP bodies are answered in their own dialect', async () => {
      assertFault(
        await plain(envelope('<cs:resetRequest><cs:type>Hard</cs:type></cs:resetRequest>')),
        'Receiver',
        'NotSupported',
        /resetRequest is not a CentralSystemService operation/,
      );
      for (const ns of ['urn://Ocpp/Cs/2010/08/', 'urn://Ocpp/Cs/2015/10/', 'urn://Ocpp/Cs/2015/10']) {
        const answer = await plain(envelope(HEARTBEAT, { bodyNs: ns }));
        assert.equal(answer.status, 200, ns);
        assert.equal(answer.body?.name, 'heartbeatResponse', ns);
        assert.equal(answer.body?.ns, `${ns.replace(/\/?$/, '')}/`, `${ns}: the WSDL's namespace, slash included`);
      }
      assertFault(
        await plain(envelope(HEARTBEAT, { bodyNs: 'urn:vendor:x' })),
        'Sender',
        'ProtocolError',
        /not in an OCPP namespace/,
      );
      assertFault(
        await plain(`<s:Envelope xmlns:s="${NS.soap12}"><s:Header/><s:Body/></s:Envelope>`),
        'Sender',
        'ProtocolError',
        /Body is empty/,
      );
    });

    it('wrong types and invalid enumeration values -> Sender/ProtocolError naming the field', async () => {
      assertFault(
        await plain(
          envelope(
            '<cs:statusNotificationRequest><cs:connectorId>one</cs:connectorId><cs:status>Available</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>',
          ),
        ),
        'Sender',
        'ProtocolError',
        /statusNotificationRequest\/connectorId: 'one' is not an xs:int/,
      );
      assertFault(
        await plain(
          envelope(
            '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Charging</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>',
          ),
        ),
        'Sender',
        'ProtocolError',
        /'Charging' is not one of ChargePointStatus/,
      );
      assertFault(
        await plain(envelope(`<cs:authorizeRequest><cs:idTag>${'X'.repeat(21)}</cs:idTag></cs:authorizeRequest>`)),
        'Sender',
        'ProtocolError',
        /IdToken longer than 20/,
      );
    });

    it('a body over the limit -> 413, declared or streamed, plain or gzip', async () => {
      const big = envelope(
        `<cs:dataTransferRequest><cs:vendorId>V</cs:vendorId><cs:data>${'x'.repeat(70 * 1024)}</cs:data></cs:dataTransferRequest>`,
      );
      const declared = await plain(big);
      assert.equal(declared.status, 413);
      assert.match(declared.text, /exceeds the limit of 65536 bytes/);
      const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
      const zipped = await plain(bomb, { 'Content-Encoding': 'gzip' });
      assert.equal(zipped.status, 413);
      assert.match(zipped.text, /decompressed request body exceeds/);
      const unknown = await plain(big.slice(0, 100), { 'Content-Encoding': 'br' });
      assert.equal(unknown.status, 415);
    });

    it('DOCTYPE or entity declarations are rejected without expansion (no XXE, no entity bomb)', async () => {
      const xxe = `<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>${envelope(`<cs:authorizeRequest><cs:idTag>&x;</cs:idTag></cs:authorizeRequest>`, { identity: 'CP-XXE' }).replace(/^<\?xml[^>]*>\n/, '')}`;
      const reply = await plain(xxe);
      assertFault(reply, 'Sender', 'ProtocolError', /DOCTYPE and ENTITY declarations are not allowed/);
      assert.doesNotMatch(reply.text, /root:/);
      const bomb = `<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>${envelope(`<cs:dataTransferRequest><cs:vendorId>&c;</cs:vendorId></cs:dataTransferRequest>`, { identity: 'CP-XXE' }).replace(/^<\?xml[^>]*>\n/, '')}`;
      assertFault(await plain(bomb), 'Sender', 'ProtocolError', /DOCTYPE/);
      assert.equal(csms.callsFor('CP-XXE').length, 0);
    });

    it('GET and other methods on the SOAP path -> 405 that says this is the SOAP endpoint; ?wsdl serves our WSDL', async () => {
      const get = await fetch(gw.soapUrl);
      assert.equal(get.status, 405);
      assert.match(await get.text(), /This is the OCPP SOAP endpoint/);
      const put = await fetch(gw.soapUrl, { method: 'PUT', body: 'x' });
      assert.equal(put.status, 405);
      const wsdl = await fetch(`${gw.soapUrl}?wsdl`);
      assert.equal(wsdl.status, 200);
      const text = await wsdl.text();
      assert.match(text, /targetNamespace="urn:\/\/Ocpp\/Cs\/2012\/06\/"/);
      assert.match(text, new RegExp(`<soap12:address location="${gw.config.publicUrl.replace(/[.?]/g, '\\$&')}"/>`));
      for (const [version, ns] of [
        ['1.2', '2010/08'],
        ['1.5', '2012/06'],
        ['1.6', '2015/10'],
      ]) {
        const other = await (await fetch(`${gw.soapUrl}?wsdl&version=${version}`)).text();
        assert.match(other, new RegExp(`targetNamespace="urn://Ocpp/Cs/${ns}/"`), version);
        assert.ok(other.includes(`location="${gw.config.publicUrl}"`), `${version}: the gateway's address`);
      }
      assert.equal((await fetch(`${gw.soapUrl}?wsdl&version=2.0`)).status, 404);
      const other = await fetch(`${gw.baseUrl}/somewhere`);
      assert.equal(other.status, 404);
      assert.match(await other.text(), /POST \/CentralSystemService/);
    });

    it('a WebSocket upgrade (an OCPP-J charger pointed at the SOAP URL) -> 400 that says why', async () => {
      const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(`${gw.soapUrl.replace('http', 'ws')}/CP-JSON`, ['ocpp1.6']);
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        });
        ws.on('open', () => reject(new Error('upgrade must be refused')));
        ws.on('error', () => undefined);
      });
      assert.equal(status.code, 400);
      assert.match(status.body, /This is the OCPP SOAP endpoint/);
    });

    it('a request that never finishes its headers is cut off, not held forever', async () => {
      // requestTimeout is 1 s here: the server must answer 408 or drop the socket well before the test's own 10 s bound.
      const closed = await new Promise<boolean>((resolve) => {
        const req = request(gw.soapUrl, { method: 'POST', headers: { 'Content-Length': '100' } });
        req.on('error', () => resolve(true));
        req.on('response', (res) => resolve(res.statusCode === 408 || res.statusCode === 400));
        req.write('<partial');
        setTimeout(() => {
          req.destroy();
          resolve(false);
        }, 10_000).unref();
      });
      assert.equal(closed, true);
    });

    it('after all of the above the gateway still bridges a Heartbeat', async () => {
      assertSoapResponse(await plain(envelope(HEARTBEAT, { identity: 'CP-AFTER' })), {
        action: '/HeartbeatResponse',
        relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
      });
      assert.equal(csms.callsFor('CP-AFTER', 'Heartbeat').length, 1);
    });
  });
}
