import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { legacyCallerCheck } from '../../src/soap/charge-point-relay.js';
import { ocpp15Soap } from '../../src/soap/dialects.js';
import { NS } from '../../src/soap/namespaces.js';
import { parseCidr } from '../../src/util/net.js';
import { relaySite } from '../helpers/legacy-soap.js';
import { assertFault, envelope, post } from '../helpers/soap.js';

/**
 * What the ChargePointService relay refuses: bad input by the wire rules, calls without the charger's token, callers
 * that are not the charger's own legacy system; and the WSDL it serves.
 */

describe('ChargePointService relay: who may call a charger, and what it refuses', () => {
  const site = relaySite();
  const { legacy, tokens, sinkCalls } = site;

  it('bad input gets the Fault or HTTP status of the wire rules, and the relay keeps working', async () => {
    const cp = { identity: 'CP-R1', bodyNs: ocpp15Soap.cpNamespace } as const;
    const before = sinkCalls.length;
    for (const [body, status, reason] of [
      ['', 400, /^empty request body/],
      ['{"json":true}', 400, /^request body is not XML/],
      ['<html><body>hi</body></html>', 400, /^not a SOAP message/],
    ] as const) {
      const reply = await post(site.relayUrl, body);
      assert.equal(reply.status, status);
      assert.match(reply.text, reason);
    }
    assertFault(
      await post(site.relayUrl, `<s:Envelope xmlns:s="${NS.soap12}"><s:Body><cp:resetRequest></s:Body>`),
      'Sender',
      'ProtocolError',
      /malformed XML/,
    );
    assertFault(
      await post(site.relayUrl, `<!DOCTYPE x [<!ENTITY a "b">]><s:Envelope xmlns:s="${NS.soap12}"/>`),
      'Sender',
      'ProtocolError',
    );
    const soap11 = await post(site.relayUrl, `<e:Envelope xmlns:e="${NS.soap11}"><e:Body/></e:Envelope>`);
    assert.equal(soap11.status, 500);
    assert.match(soap11.text, /VersionMismatch/);
    assertFault(
      await post(site.relayUrl, envelope('<cs:heartbeatRequest/>', cp)),
      'Receiver',
      'NotSupported',
      /heartbeatRequest is not a ChargePointService operation/,
    );
    assertFault(
      await post(
        site.relayUrl,
        envelope('<cs:resetRequest><cs:type>Soft</cs:type></cs:resetRequest>', {
          ...cp,
          bodyNs: 'urn://Ocpp/Cp/2099/01/',
        }),
      ),
      'Sender',
      'ProtocolError',
      /not in an OCPP namespace/,
    );
    assertFault(
      await post(site.relayUrl, envelope('<cs:resetRequest><cs:type>Medium</cs:type></cs:resetRequest>', cp)),
      'Sender',
      'ProtocolError',
      /resetRequest\/type: 'Medium' is not one of ResetType/,
    );
    assertFault(
      await post(site.relayUrl, envelope('<cs:remoteStopTransactionRequest/>', cp)),
      'Sender',
      'ProtocolError',
      /transactionId: required element is missing/,
    );
    assertFault(
      await post(
        site.relayUrl,
        envelope('<cs:resetRequest><cs:type>Soft</cs:type></cs:resetRequest>', { ...cp, messageId: 'x'.repeat(300) }),
      ),
      'Sender',
      'ProtocolError',
      /MessageID longer than 256/,
    );
    assertFault(
      await post(
        `${site.relayUrl}/%E0%A4%A`,
        envelope('<cs:resetRequest><cs:type>Soft</cs:type></cs:resetRequest>', { ...cp, identity: null }),
      ),
      'Sender',
      'ProtocolError',
      /percent-encoding/,
    );
    assert.equal((await fetch(site.relayUrl, { method: 'PUT', body: 'x' })).status, 405);
    assert.equal(sinkCalls.length, before, 'nothing relayed');
    assert.deepEqual(await legacy.callCharger('CP-R1', 'ClearCache', {}), { status: 'Accepted' }, 'still relaying');
  });

  it("a call without the charger's token, or with another charger's, is refused: Sender/SecurityError, nothing relayed", async () => {
    const before = sinkCalls.length;
    const reset = (identity: string | null) =>
      envelope('<cs:resetRequest><cs:type>Hard</cs:type></cs:resetRequest>', {
        identity,
        bodyNs: ocpp15Soap.cpNamespace,
      });
    const cases: [string, string | null][] = [
      [site.relayUrl, 'CP-R1'],
      [`${site.relayUrl}/CP-R1`, null],
      [`${site.relayUrl}/CP-R1/${tokens.tokenOf('CP-R2')}`, null],
      [`${site.relayUrl}/CP-R1/${'A'.repeat(22)}`, 'CP-R1'],
    ];
    for (const [url, identity] of cases)
      assertFault(await post(url, reset(identity)), 'Sender', 'SecurityError', /no valid token for charger CP-R1/);
    assert.equal(sinkCalls.length, before, 'nothing relayed');
  });

  it('with two legacy systems, each may call only its own chargers', async () => {
    const check = legacyCallerCheck(undefined, (identity) =>
      identity === 'CP-A'
        ? ['http://127.0.0.5:1/cs']
        : identity === 'CP-B'
          ? ['http://127.0.0.6:1/cs']
          : ['http://127.0.0.5:1/cs', 'http://127.0.0.6:1/cs'],
    );
    assert.equal(await check('127.0.0.6'), true, 'a legacy system');
    assert.equal(await check('127.0.0.6', 'CP-B'), true, 'its own charger');
    assert.equal(await check('127.0.0.6', 'CP-A'), false, "the other system's charger");
    assert.equal(await check('::ffff:127.0.0.5', 'CP-A'), true);
  });

  it('the default caller check: LEGACY_CS_NETWORKS when set, else the addresses of the legacy URLs', async () => {
    const byUrl = legacyCallerCheck(undefined, () => [
      legacy.url,
      'http://localhost:1/CentralSystemService',
      'not a url',
    ]);
    assert.equal(await byUrl('127.0.0.1'), true);
    assert.equal(await byUrl('::ffff:127.0.0.1'), true);
    assert.equal(await byUrl('10.1.2.3'), false);
    const byNetworks = legacyCallerCheck([parseCidr('10.0.0.0/8')], () => [legacy.url]);
    assert.equal(await byNetworks('10.1.2.3'), true);
    assert.equal(await byNetworks('127.0.0.1'), false, 'the networks replace the URL hosts');
  });

  it('?wsdl serves the ChargePointService WSDL with the relay address; the SOAP endpoint and the 404s are as before', async () => {
    for (const path of ['/ChargePointService?wsdl', '/chargepointservice/CP-R1?WSDL']) {
      const res = await fetch(new URL(path, site.publicUrl));
      assert.equal(res.status, 200);
      const wsdl = await res.text();
      assert.match(wsdl, new RegExp(`<soap12:address\\s+location="${site.relayUrl.replace(/[.?]/g, '\\$&')}"`));
      assert.match(wsdl, /<wsdl:service name="ChargePointService">/);
    }
    assert.equal(site.relayUrl, site.publicUrl.replace(/CentralSystemService$/, 'ChargePointService'));
    const v16 = await fetch(`${site.relayUrl}?wsdl&version=1.6`);
    assert.equal(v16.status, 200);
    const v16Wsdl = await v16.text();
    assert.match(v16Wsdl, /urn:\/\/Ocpp\/Cp\/2015\/10\//, "every dialect's ChargePointService, as the endpoint serves");
    assert.ok(v16Wsdl.includes(`location="${site.relayUrl}"`));
    assert.equal((await fetch(`${site.relayUrl}?wsdl&version=9`)).status, 404);
    const get = await fetch(site.relayUrl);
    assert.equal(get.status, 405);
    assert.match(await get.text(), /ChargePointService relay/);
    const csWsdl = await (await fetch(`${site.publicUrl}?wsdl`)).text();
    assert.match(csWsdl, /<wsdl:service name="CentralSystemService">/);
    assert.equal((await fetch(new URL('/ChargePointServiceX', site.publicUrl))).status, 404);
    assert.equal((await fetch(new URL('/ChargePointService/a/b/c', site.publicUrl))).status, 404);
  });
});
