import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { NS } from '../../src/soap/namespaces.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { QUEUE_MODES, startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertFault, assertSoapResponse, envelope, post, responseFields } from '../helpers/soap.js';
import { ocpp15Soap } from '../../src/soap/dialects.js';

const HEARTBEAT = '<cs:heartbeatRequest/>';

/** Real-charger quirks from docs/charger-quirks.md, one raw envelope each. */
for (const mode of QUEUE_MODES) {
  describe(`real-charger quirks (${mode} queue)`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;

    before(async () => {
      csms = await new TestCsms().start();
      // Q2's addresses are offered from loopback: the learning rule is tested here, the callback policy (same-source by
      // default) in charger-security.test.ts.
      gw = await startGateway(mode, csms.url, {
        callbackPolicy: 'any',
        chargers: {
          'CP-OVERRIDE': { callbackUrl: 'http://192.0.2.10:8080/ocpp' },
          'AA:BB:CC:DD:EE:FF': { upstreamIdentity: 'CP-MAPPED-1' },
        },
      });
    });
    after(async () => {
      await gw.stop();
      await csms.stop();
      assert.deepEqual(csms.schemaFailures, [], 'every CALL passed strict OCPP 1.6 validation');
    });

    it('Q1: no MessageID -> answered, fresh MessageID, no RelatesTo', async () => {
      const reply = await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-Q1', messageId: null }));
      assertSoapResponse(reply, { action: '/HeartbeatResponse', relatesTo: undefined });
      assert.doesNotMatch(reply.text, /RelatesTo/);
    });

    it('Q2: callback URL from From, else ReplyTo; anonymous and host-less skipped; config wins; re-learned on every message', async () => {
      const contact = (id: string) => gw.gateway.registry.contacts.contact(id);
      await post(
        gw.soapUrl,
        envelope(HEARTBEAT, {
          identity: 'CP-Q2',
          from: 'http://:8082/',
          replyTo: 'http://www.w3.org/2005/08/addressing/anonymous',
        }),
      );
      const none = await contact('CP-Q2');
      assert.equal(none?.callbackUrl, undefined, 'no usable address: visible as missing');
      await post(
        gw.soapUrl,
        envelope(HEARTBEAT, {
          identity: 'CP-Q2',
          from: 'http://www.w3.org/2005/08/addressing/anonymous',
          replyTo: 'http://10.9.8.7:8080/cp',
        }),
      );
      assert.deepEqual(
        [(await contact('CP-Q2'))?.callbackUrl, (await contact('CP-Q2'))?.callbackSource],
        ['http://10.9.8.7:8080/cp', 'ReplyTo'],
      );
      await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-Q2', from: 'http://localhost:8080/' }));
      assert.deepEqual(
        [(await contact('CP-Q2'))?.callbackUrl, (await contact('CP-Q2'))?.callbackSource],
        ['http://localhost:8080/', 'From'],
      );
      await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-OVERRIDE', from: 'http://10.0.0.1/' }));
      assert.deepEqual(
        [(await contact('CP-OVERRIDE'))?.callbackUrl, (await contact('CP-OVERRIDE'))?.callbackSource],
        ['http://192.0.2.10:8080/ocpp', 'config'],
      );
    });

    it('Q5: mustUnderstand on any subset of headers or on none is never a MustUnderstand fault', async () => {
      for (const mustUnderstand of [true, false]) {
        const reply = await post(
          gw.soapUrl,
          envelope(HEARTBEAT, { identity: 'CP-Q5', action: '/Heartbeat', to: gw.soapUrl, mustUnderstand }),
        );
        assertSoapResponse(reply, {
          action: '/HeartbeatResponse',
          relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
        });
      }
    });

    it('Q6 and Q23: Action fully qualified, in Content-Type, in SOAPAction, or nowhere: dispatch is by the body', async () => {
      const xml = envelope(HEARTBEAT, {
        identity: 'CP-Q6',
        action: 'urn://Ocpp/Cs/2010/08/CentralSystemService/Heartbeat',
      });
      for (const headers of [
        {} as Record<string, string>,
        { 'Content-Type': 'application/soap+xml; charset=utf-8; action="/Heartbeat"' },
        { SOAPAction: '"/Heartbeat"' },
        { 'Content-Type': 'text/xml' },
      ]) {
        assertSoapResponse(await post(gw.soapUrl, xml, headers), {
          action: '/HeartbeatResponse',
          relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
        });
      }
      // Even a misleading Action: the body element decides.
      assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-Q6', action: '/Authorize' })), {
        action: '/HeartbeatResponse',
        relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
      });
    });

    it('Q8: six serializer families and prefix styles, headers in any order', async () => {
      const body = (p: string, decl = '') =>
        `<${p}authorizeRequest${decl}><${p}idTag${decl ? '' : ''}>TAG-Q8</${p}idTag></${p}authorizeRequest>`;
      const docs = [
        // gSOAP
        `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soap12}" xmlns:wsa5="${NS.wsa}" xmlns:cs="${ocpp15Soap.csNamespace}"><SOAP-ENV:Header><wsa5:MessageID>m-gsoap</wsa5:MessageID><cs:chargeBoxIdentity SOAP-ENV:mustUnderstand="true">CP-Q8</cs:chargeBoxIdentity><wsa5:Action SOAP-ENV:mustUnderstand="true">/Authorize</wsa5:Action></SOAP-ENV:Header><SOAP-ENV:Body>${body('cs:')}</SOAP-ENV:Body></SOAP-ENV:Envelope>`,
        // CXF: per-element default namespaces
        `<soap:Envelope xmlns:soap="${NS.soap12}"><soap:Header><Action xmlns="${NS.wsa}">/Authorize</Action><MessageID xmlns="${NS.wsa}">m-cxf</MessageID><chargeBoxIdentity xmlns="${ocpp15Soap.csNamespace}">CP-Q8</chargeBoxIdentity></soap:Header><soap:Body><authorizeRequest xmlns="${ocpp15Soap.csNamespace}"><idTag>TAG-Q8</idTag></authorizeRequest></soap:Body></soap:Envelope>`,
        // JAX-WS
        `<S:Envelope xmlns:S="${NS.soap12}"><S:Header><chargeBoxIdentity xmlns="${ocpp15Soap.csNamespace}">CP-Q8</chargeBoxIdentity><To xmlns="${NS.wsa}">${gw.soapUrl}</To><MessageID xmlns="${NS.wsa}">m-jaxws</MessageID></S:Header><S:Body>${body('ns2:', ` xmlns:ns2="${ocpp15Soap.csNamespace}"`).replace('<ns2:idTag>', '<ns2:idTag>')}</S:Body></S:Envelope>`,
        // WCF / ksoap
        `<v:Envelope xmlns:v="${NS.soap12}" xmlns:a="${NS.wsa}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><v:Header><a:MessageID>m-wcf</a:MessageID><a:Action v:mustUnderstand="1">/Authorize</a:Action><h:chargeBoxIdentity xmlns:h="${ocpp15Soap.csNamespace}">CP-Q8</h:chargeBoxIdentity></v:Header><v:Body><n0:authorizeRequest xmlns:n0="${ocpp15Soap.csNamespace}"><n0:idTag>TAG-Q8</n0:idTag></n0:authorizeRequest></v:Body></v:Envelope>`,
        // ns0/ns1/ns2
        `<ns0:Envelope xmlns:ns0="${NS.soap12}" xmlns:ns1="${ocpp15Soap.csNamespace}" xmlns:ns2="${NS.wsa}"><ns0:Header><ns2:MessageID>m-ns</ns2:MessageID><ns1:chargeBoxIdentity>CP-Q8</ns1:chargeBoxIdentity></ns0:Header><ns0:Body>${body('ns1:')}</ns0:Body></ns0:Envelope>`,
        // ocppCs15
        `<soapenv:Envelope xmlns:soapenv="${NS.soap12}" xmlns:ocppCs15="${ocpp15Soap.csNamespace}"><soapenv:Header><ocppCs15:chargeBoxIdentity>CP-Q8</ocppCs15:chargeBoxIdentity><wsa:MessageID xmlns:wsa="${NS.wsa}">m-ocpp</wsa:MessageID></soapenv:Header><soapenv:Body>${body('ocppCs15:')}</soapenv:Body></soapenv:Envelope>`,
      ];
      const ids = ['m-gsoap', 'm-cxf', 'm-jaxws', 'm-wcf', 'm-ns', 'm-ocpp'];
      for (const [i, doc] of docs.entries()) {
        const reply = await post(gw.soapUrl, doc);
        assertSoapResponse(reply, { action: '/AuthorizeResponse', relatesTo: ids[i] });
        assert.deepEqual(responseFields(reply, 'authorizeResponse'), [['idTagInfo', '(complex)']]);
      }
      assert.equal(csms.callsFor('CP-Q8', 'Authorize').length, 6);
      assert.ok(csms.callsFor('CP-Q8', 'Authorize').every((c) => c.payload.idTag === 'TAG-Q8'));
    });

    it('Q9: a request body and chargeBoxIdentity in the Cp namespace are accepted; the answer is in Cs', async () => {
      const reply = await post(
        gw.soapUrl,
        envelope('<cs:authorizeRequest><cs:idTag>TAG-Q9</cs:idTag></cs:authorizeRequest>', {
          identity: 'CP-Q9',
          bodyNs: ocpp15Soap.cpNamespace,
        }),
      );
      assertSoapResponse(reply, {
        action: '/AuthorizeResponse',
        relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
      });
      assert.equal(reply.body?.ns, ocpp15Soap.csNamespace);
      assert.equal(csms.callsFor('CP-Q9', 'Authorize')[0]?.payload.idTag, 'TAG-Q9');
    });

    it('Q10 and Q11: MessageID of any form echoed exactly after trimming; whitespace, no XML declaration, trailing CRLF', async () => {
      for (const id of [
        'uuid:5f2c1a9e-0000-4000-8000-000000000001',
        '12345',
        '0123456789abcdef0123456789abcdef0123',
        'VENDOR-msg#7',
      ]) {
        const xml = `${envelope(HEARTBEAT, { identity: '\n  CP-Q10  \n', messageId: `\n   ${id}\n ` }).replace(
          /^<\?xml[^>]*>\n/,
          '',
        )}\r\n`;
        assertSoapResponse(await post(gw.soapUrl, xml), { action: '/HeartbeatResponse', relatesTo: id });
      }
      assert.equal(csms.callsFor('CP-Q10', 'Heartbeat').length, 4, 'identity trimmed');
    });

    it('Q12: empty and nil values end in a translation or a Sender/ProtocolError, never a crash', async () => {
      const stop = (inner: string) =>
        `<cs:stopTransactionRequest>${inner}<cs:timestamp>2024-05-01T13:00:00Z</cs:timestamp><cs:meterStop>10</cs:meterStop></cs:stopTransactionRequest>`;
      const ok = await post(
        gw.soapUrl,
        envelope(stop('<cs:transactionId>77</cs:transactionId><cs:transactionData></cs:transactionData>'), {
          identity: 'CP-Q12',
        }),
      );
      assertSoapResponse(ok, {
        action: '/StopTransactionResponse',
        relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
      });
      assert.deepEqual(csms.callsFor('CP-Q12', 'StopTransaction')[0]?.payload, {
        meterStop: 10,
        timestamp: '2024-05-01T13:00:00.000Z',
        transactionId: 77,
      });
      assertFault(
        await post(gw.soapUrl, envelope(stop('<cs:transactionId></cs:transactionId>'), { identity: 'CP-Q12' })),
        'Sender',
        'ProtocolError',
        /transactionId: required element is nil or empty/,
      );
      assertFault(
        await post(gw.soapUrl, envelope(stop('<cs:transactionId xsi:nil="true"/>'), { identity: 'CP-Q12' })),
        'Sender',
        'ProtocolError',
        /transactionId/,
      );
      const mv = `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId xsi:nil="true"></cs:transactionId><cs:values><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:value>5</cs:value></cs:values></cs:meterValuesRequest>`;
      assertSoapResponse(await post(gw.soapUrl, envelope(mv, { identity: 'CP-Q12' })), {
        action: '/MeterValuesResponse',
        relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
      });
      assert.deepEqual(csms.callsFor('CP-Q12', 'MeterValues')[0]?.payload, {
        connectorId: 1,
        meterValue: [{ timestamp: '2024-05-01T12:00:00.000Z', sampledValue: [{ value: '5' }] }],
      });
      assert.equal(csms.callsFor('CP-Q12', 'StopTransaction').length, 1, 'faulted messages never reached the CSMS');
    });

    it('Q13: body elements in any order', async () => {
      const body = `<cs:startTransactionRequest><cs:meterStart>5</cs:meterStart><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:idTag>TAG</cs:idTag><cs:connectorId>2</cs:connectorId></cs:startTransactionRequest>`;
      const reply = await post(gw.soapUrl, envelope(body, { identity: 'CP-Q13' }));
      assertSoapResponse(reply, {
        action: '/StartTransactionResponse',
        relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
      });
      assert.deepEqual(responseFields(reply, 'startTransactionResponse'), [
        ['transactionId', '1002'],
        ['idTagInfo', '(complex)'],
      ]);
      assert.deepEqual(csms.callsFor('CP-Q13', 'StartTransaction')[0]?.payload, {
        connectorId: 2,
        idTag: 'TAG',
        meterStart: 5,
        timestamp: '2024-05-01T12:00:00.000Z',
      });
    });

    it('Q14: meter value shapes (bare value, Inlet+Outlet, same timestamps, tx 0, missing tx during a transaction, empty values)', async () => {
      const id = 'CP-Q14';
      await post(
        gw.soapUrl,
        envelope(
          `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>T</cs:idTag><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>`,
          { identity: id },
        ),
      );
      const ts = '<cs:timestamp>2024-05-01T12:10:00Z</cs:timestamp>';
      const mv = (inner: string) =>
        `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId>${inner}</cs:meterValuesRequest>`;
      await post(
        gw.soapUrl,
        envelope(
          mv(
            `<cs:values>${ts}<cs:value location="Inlet" measurand="Voltage" unit="Volt">231</cs:value><cs:value location="Outlet">7</cs:value></cs:values><cs:values>${ts}<cs:value>8</cs:value></cs:values>`,
          ),
          { identity: id },
        ),
      );
      await post(
        gw.soapUrl,
        envelope(mv(`<cs:transactionId>0</cs:transactionId><cs:values>${ts}<cs:value>9</cs:value></cs:values>`), {
          identity: id,
        }),
      );
      const before = csms.callsFor(id, 'MeterValues').length;
      const empty = await post(gw.soapUrl, envelope(mv('<cs:transactionId>1001</cs:transactionId>'), { identity: id }));
      assertSoapResponse(empty, {
        action: '/MeterValuesResponse',
        relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
      });
      const calls = csms.callsFor(id, 'MeterValues').map((c) => c.payload);
      assert.equal(calls.length, before, 'empty values answered locally, nothing sent');
      assert.deepEqual(calls[0], {
        connectorId: 1,
        transactionId: 1001,
        meterValue: [
          {
            timestamp: '2024-05-01T12:10:00.000Z',
            sampledValue: [
              { value: '231', measurand: 'Voltage', location: 'Inlet', unit: 'V' },
              { value: '7', location: 'Outlet' },
            ],
          },
          { timestamp: '2024-05-01T12:10:00.000Z', sampledValue: [{ value: '8' }] },
        ],
      });
      assert.deepEqual(calls[1], {
        connectorId: 1,
        transactionId: 1001,
        meterValue: [{ timestamp: '2024-05-01T12:10:00.000Z', sampledValue: [{ value: '9' }] }],
      });
    });

    it('Q15: DataTransfer data passes byte for byte; child XML in data is serialised back to a string', async () => {
      const json = '{"ts":"2024-02-30T25:61:00","v":[1,2]}';
      await post(
        gw.soapUrl,
        envelope(
          `<cs:dataTransferRequest><cs:vendorId>V</cs:vendorId><cs:data>${json}</cs:data></cs:dataTransferRequest>`,
          { identity: 'CP-Q15' },
        ),
      );
      await post(
        gw.soapUrl,
        envelope(
          `<cs:dataTransferRequest><cs:vendorId>V</cs:vendorId><cs:data><reading unit="kWh">12.5</reading></cs:data></cs:dataTransferRequest>`,
          { identity: 'CP-Q15' },
        ),
      );
      assert.deepEqual(
        csms.callsFor('CP-Q15', 'DataTransfer').map((c) => c.payload.data),
        [json, '<reading unit="kWh">12.5</reading>'],
      );
    });

    it('Q16: the endpoint path matches case-insensitively', async () => {
      for (const path of ['/centralsystemservice', '/CENTRALSYSTEMSERVICE/', '/CentralSystemService']) {
        assertSoapResponse(await post(`${gw.baseUrl}${path}`, envelope(HEARTBEAT, { identity: 'CP-Q16' })), {
          action: '/HeartbeatResponse',
          relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
        });
      }
    });

    it('Q18: identities with colons are percent-encoded upstream and mappable per charger', async () => {
      await post(gw.soapUrl, envelope(HEARTBEAT, { identity: '00:80:F4:44:13:AA' }));
      assert.equal(csms.callsFor('00:80:F4:44:13:AA', 'Heartbeat').length, 1);
      await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'AA:BB:CC:DD:EE:FF' }));
      assert.equal(csms.callsFor('CP-MAPPED-1', 'Heartbeat').length, 1);
    });

    it('Q20: a SOAP 1.1 envelope gets a SOAP 1.1 VersionMismatch fault, never a 1.2 answer', async () => {
      const soap11 = `<soap:Envelope xmlns:soap="${NS.soap11}"><soap:Header><chargeBoxIdentity xmlns="${ocpp15Soap.csNamespace}">CP-Q20</chargeBoxIdentity></soap:Header><soap:Body>${HEARTBEAT.replace('cs:', '')}</soap:Body></soap:Envelope>`;
      const reply = await post(gw.soapUrl, soap11, { 'Content-Type': 'text/xml; charset=utf-8' });
      assert.equal(reply.status, 500);
      assert.match(reply.contentType, /^text\/xml/);
      assert.equal(reply.root?.ns, NS.soap11);
      assert.match(reply.text, /<faultcode>soap:VersionMismatch<\/faultcode>/);
      assert.equal(csms.callsFor('CP-Q20').length, 0);
    });

    it('Q23: gzip and deflate request bodies', async () => {
      const xml = envelope(HEARTBEAT, { identity: 'CP-Q23' });
      for (const [encoding, body] of [
        ['gzip', gzipSync(xml)],
        ['deflate', deflateSync(xml)],
      ] as const) {
        assertSoapResponse(await post(gw.soapUrl, body, { 'Content-Encoding': encoding }), {
          action: '/HeartbeatResponse',
          relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
        });
      }
      assert.equal(csms.callsFor('CP-Q23', 'Heartbeat').length, 2);
    });
  });
}
