import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeComplex, encodeElement, orderLikeWsdl } from '../../../src/soap/codec.js';
import { SoapFaultError } from '../../../src/soap/fault.js';
import type { ComplexType } from '../../../src/soap/wsdl-model.js';
import { parseXml } from '../../../src/soap/xml.js';
import { ocpp15Soap } from '../../../src/soap/dialects.js';

const cs = ocpp15Soap.centralSystem();
const decode = (type: string, xml: string) => decodeComplex(cs, cs.type(type) as ComplexType, parseXml(xml), type);
const protocolError = (pattern: RegExp) => (e: unknown) =>
  e instanceof SoapFaultError && e.subcode === 'ProtocolError' && pattern.test(e.reason);

describe('decodeComplex', () => {
  it('decodes out-of-order children, ints and arrays (docs/charger-quirks.md#q13-element-order)', () => {
    const out = decode(
      'StartTransactionRequest',
      '<r xmlns="urn://Ocpp/Cs/2012/06/"><meterStart> 17 </meterStart><timestamp>2024-05-01T12:00:00Z</timestamp><idTag>T</idTag><connectorId>2</connectorId></r>',
    );
    assert.deepEqual(out, { connectorId: 2, idTag: 'T', timestamp: '2024-05-01T12:00:00Z', meterStart: 17 });
  });

  it('decodes simpleContent values with and without attributes (Q14)', () => {
    const out = decode(
      'MeterValuesRequest',
      '<r><connectorId>1</connectorId><values><timestamp>2024-05-01T12:00:00Z</timestamp><value>5</value><value unit="Amp" xsi:type="x">6</value></values></r>',
    );
    assert.deepEqual(out, {
      connectorId: 1,
      values: [{ timestamp: '2024-05-01T12:00:00Z', value: [{ $value: '5' }, { $value: '6', unit: 'Amp' }] }],
    });
  });

  it('treats an empty wrapper as an empty complex value, and nil optional elements as absent (Q12)', () => {
    const out = decode(
      'StopTransactionRequest',
      '<r><transactionId>1</transactionId><timestamp>2024-05-01T12:00:00Z</timestamp><meterStop>5</meterStop><transactionData></transactionData><idTag xsi:nil="true"/></r>',
    );
    assert.deepEqual(out, {
      transactionId: 1,
      timestamp: '2024-05-01T12:00:00Z',
      meterStop: 5,
      transactionData: [{ values: [] }],
    });
    const mv = decode('MeterValuesRequest', '<r><connectorId>1</connectorId><transactionId></transactionId></r>');
    assert.deepEqual(mv, { connectorId: 1, values: [] });
  });

  it('faults a missing, empty or nil required element with its path (Q12)', () => {
    assert.throws(
      () =>
        decode('StopTransactionRequest', '<r><timestamp>2024-05-01T12:00:00Z</timestamp><meterStop>5</meterStop></r>'),
      protocolError(/StopTransactionRequest\/transactionId: required element is missing/),
    );
    assert.throws(
      () =>
        decode(
          'StopTransactionRequest',
          '<r><transactionId></transactionId><timestamp>2024-05-01T12:00:00Z</timestamp><meterStop>5</meterStop></r>',
        ),
      protocolError(/transactionId: required element is nil or empty/),
    );
    assert.throws(
      () =>
        decode(
          'StopTransactionRequest',
          '<r><transactionId xsi:nil="true"/><timestamp>2024-05-01T12:00:00Z</timestamp><meterStop>5</meterStop></r>',
        ),
      protocolError(/transactionId: required element is nil or empty/),
    );
    assert.throws(
      () => decode('AuthorizeRequest', '<r><idTag>  </idTag></r>'),
      protocolError(/idTag: required element is nil or empty/),
    );
  });

  it('faults values that are not of their type', () => {
    assert.throws(() => decode('AuthorizeRequest', '<r/>'), protocolError(/idTag/));
    assert.throws(
      () =>
        decode(
          'StatusNotificationRequest',
          '<r><connectorId>abc</connectorId><status>Available</status><errorCode>NoError</errorCode></r>',
        ),
      protocolError(/'abc' is not an xs:int/),
    );
    assert.throws(
      () =>
        decode(
          'StatusNotificationRequest',
          '<r><connectorId>99999999999</connectorId><status>Available</status><errorCode>NoError</errorCode></r>',
        ),
      protocolError(/not an xs:int/),
    );
    assert.throws(
      () =>
        decode(
          'StatusNotificationRequest',
          '<r><connectorId>1</connectorId><status>Charging</status><errorCode>NoError</errorCode></r>',
        ),
      protocolError(/'Charging' is not one of ChargePointStatus/),
    );
    assert.throws(
      () =>
        decode(
          'StatusNotificationRequest',
          '<r><connectorId>1</connectorId><connectorId>2</connectorId><status>Available</status><errorCode>NoError</errorCode></r>',
        ),
      protocolError(/at most once/),
    );
    assert.throws(
      () =>
        decode(
          'StartTransactionRequest',
          '<r><connectorId>1</connectorId><idTag>T</idTag><timestamp>yesterday</timestamp><meterStart>1</meterStart></r>',
        ),
      protocolError(/not an xs:dateTime/),
    );
    assert.throws(
      () =>
        decode(
          'MeterValuesRequest',
          '<r><connectorId>1</connectorId><values><timestamp>2024-05-01T12:00:00Z</timestamp><value unit="Amps">1</value></values></r>',
        ),
      protocolError(/'Amps' is not one of UnitOfMeasure/),
    );
  });

  it('names the whole path of a faulty value: nested fields, attributes and repeated elements', () => {
    const reasonOf = (type: string, xml: string): string => {
      try {
        decode(type, xml);
      } catch (e) {
        if (e instanceof SoapFaultError) return e.reason;
        throw e;
      }
      assert.fail(`${type} decoded without a fault`);
    };
    const values = (inner: string) => `<r><connectorId>1</connectorId><values>${inner}</values></r>`;
    assert.equal(
      reasonOf('MeterValuesRequest', values('<timestamp>noon</timestamp>')),
      "MeterValuesRequest/values/timestamp: 'noon' is not an xs:dateTime",
    );
    assert.equal(
      reasonOf('MeterValuesRequest', values('<timestamp>2024-05-01T12:00:00Z</timestamp><value unit="Amps">1</value>')),
      "MeterValuesRequest/values/value@unit: 'Amps' is not one of UnitOfMeasure (Wh, kWh, varh, kvarh, W, kW, var, " +
        'kvar, Amp, Volt, Celsius)',
    );
    assert.equal(
      reasonOf('MeterValuesRequest', values('<value>1</value>')),
      'MeterValuesRequest/values/timestamp: required element is missing',
    );
    const connectors = '<connectorId>1</connectorId><connectorId>2</connectorId><connectorId>3</connectorId>';
    assert.equal(
      reasonOf(
        'StatusNotificationRequest',
        `<r>${connectors}<status>Available</status><errorCode>NoError</errorCode></r>`,
      ),
      'StatusNotificationRequest/connectorId: occurs 3 times, at most once allowed',
    );
    assert.equal(
      reasonOf('StatusNotificationRequest', '<r><connectorId>x</connectorId><status>Available</status></r>'),
      "StatusNotificationRequest/connectorId: 'x' is not an xs:int",
    );
  });

  it('keeps opaque strings byte for byte and serialises child XML back to text (Q15)', () => {
    const out = decode('DataTransferRequest', '<r><vendorId>V</vendorId><data>  {"a": 1}\n</data></r>');
    assert.equal(out.data, '  {"a": 1}\n');
    const xmlData = decode(
      'DataTransferRequest',
      '<r><vendorId>V</vendorId><data><reading unit="kWh">12</reading><reading>13</reading></data></r>',
    );
    assert.equal(xmlData.data, '<reading unit="kWh">12</reading><reading>13</reading>');
  });
});

describe('encodeElement and orderLikeWsdl', () => {
  it('emits WSDL sequence order with one prefix whatever the object key order (Q13)', () => {
    const xml = encodeElement(
      cs,
      'bootNotificationResponse',
      'BootNotificationResponse',
      { heartbeatInterval: 60, currentTime: 't', status: 'Accepted' },
      'cs',
    );
    assert.equal(
      xml,
      '<cs:bootNotificationResponse><cs:status>Accepted</cs:status><cs:currentTime>t</cs:currentTime><cs:heartbeatInterval>60</cs:heartbeatInterval></cs:bootNotificationResponse>',
    );
  });

  it('emits nested types, escapes text and writes empty responses as empty elements', () => {
    assert.equal(
      encodeElement(
        cs,
        'authorizeResponse',
        'AuthorizeResponse',
        { idTagInfo: { parentIdTag: 'a<b', status: 'Accepted' } },
        'cs',
      ),
      '<cs:authorizeResponse><cs:idTagInfo><cs:status>Accepted</cs:status><cs:parentIdTag>a&lt;b</cs:parentIdTag></cs:idTagInfo></cs:authorizeResponse>',
    );
    assert.equal(
      encodeElement(cs, 'meterValuesResponse', 'MeterValuesResponse', {}, 'cs'),
      '<cs:meterValuesResponse/>',
    );
  });

  it('reorders nested objects for node-soap (ReserveNow, SendLocalList)', () => {
    const cp = ocpp15Soap.chargePoint();
    const ordered = orderLikeWsdl(cp, 'SendLocalListRequest', {
      localAuthorisationList: [{ idTagInfo: { parentIdTag: 'P', status: 'Accepted' }, idTag: 'A' }],
      listVersion: 3,
      updateType: 'Full',
    });
    assert.equal(
      JSON.stringify(ordered),
      '{"updateType":"Full","listVersion":3,"localAuthorisationList":[{"idTag":"A","idTagInfo":{"status":"Accepted","parentIdTag":"P"}}]}',
    );
  });
});
