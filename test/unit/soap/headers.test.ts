import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseHeaders } from '../../../src/soap/headers.js';
import { ocppVersionOf } from '../../../src/soap/dialects.js';
import { parseXml } from '../../../src/soap/xml.js';

const header = (inner: string) =>
  parseXml(
    `<h xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope">${inner}</h>`,
  );

/** The header normaliser against the shapes of docs/charger-quirks.md (the Q numbers in the titles). */
describe('normaliseHeaders', () => {
  it('finds chargeBoxIdentity case-insensitively in any namespace, attributes stripped, text trimmed (Q5, Q9, Q11)', () => {
    for (const inner of [
      '<cs:chargeBoxIdentity xmlns:cs="urn://Ocpp/Cs/2012/06/" s:mustUnderstand="true">\n  CP-7 \n</cs:chargeBoxIdentity>',
      '<ChargeBoxIdentity xmlns="urn://Ocpp/Cp/2012/06/">CP-7</ChargeBoxIdentity>',
      '<chargeboxidentity>CP-7</chargeboxidentity>',
    ]) {
      assert.equal(normaliseHeaders(header(inner)).chargeBoxIdentity, 'CP-7');
    }
  });

  it('reads WS-Addressing 2005/08 and 2004/08 headers in any order, keeping opaque MessageIDs exactly (Q8, Q10)', () => {
    const h = normaliseHeaders(
      header(
        '<a:To>  http://gw/CentralSystemService\n</a:To><w:MessageID xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing"> 0042 </w:MessageID>' +
          '<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo><a:From><a:Address>http://10.0.0.5:8080/cp</a:Address></a:From>' +
          '<a:Action s:mustUnderstand="true">/Heartbeat</a:Action><other:Action xmlns:other="urn:x">ignored</other:Action>',
      ),
    );
    assert.deepEqual(h, {
      to: 'http://gw/CentralSystemService',
      messageId: '0042',
      replyToAddress: 'http://www.w3.org/2005/08/addressing/anonymous',
      fromAddress: 'http://10.0.0.5:8080/cp',
      action: '/Heartbeat',
    });
  });

  it('tolerates no Header at all (Q3)', () => assert.deepEqual(normaliseHeaders(undefined), {}));
});

describe('version detection', () => {
  it('detects 1.2, 1.5 and 1.6 from either service namespace, with or without the trailing slash (docs/translation.md#soap-wire-rules, Q9)', () => {
    assert.equal(ocppVersionOf('urn://Ocpp/Cs/2010/08/'), '1.2');
    assert.equal(ocppVersionOf('urn://Ocpp/Cs/2012/06/'), '1.5');
    assert.equal(ocppVersionOf('urn://Ocpp/Cp/2012/06/'), '1.5');
    assert.equal(ocppVersionOf('urn://Ocpp/Cp/2015/10'), '1.6');
    assert.equal(ocppVersionOf('urn://Ocpp/Cs/2015/10/'), '1.6');
    assert.equal(ocppVersionOf('urn:other'), undefined);
    assert.equal(ocppVersionOf(undefined), undefined);
  });
});
