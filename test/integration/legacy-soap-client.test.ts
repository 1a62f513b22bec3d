import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeComplex, type DecodedObject } from '../../src/soap/codec.js';
import { ocpp15Soap } from '../../src/soap/dialects.js';
import { isPeerUnavailable, soapFailureClass } from '../../src/soap/soap-call-error.js';
import type { SoapCallRecord } from '../../src/soap/soap-client.js';
import { NS } from '../../src/soap/namespaces.js';
import type { ComplexType } from '../../src/soap/wsdl-model.js';
import { child, parseXml } from '../../src/soap/xml.js';
import { legacyFault, type LegacyRequestRecord } from '../helpers/legacy-cs.js';
import { failure, FROM, IDENTITY, ISO, legacyClientSite } from '../helpers/legacy-soap.js';

/**
 * The gateway's SOAP client against a node-soap OCPP 1.5 central system built from the official WSDL: every charger
 * operation field for field, the addressing headers, and SOAP Faults.
 */

const ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';
const csModel = ocpp15Soap.centralSystem();

/** Every charger operation as the central-system endpoint decodes it, and what the default legacy system answers. */
const METER_VALUES = [
  {
    timestamp: '2024-05-01T10:05:00Z',
    value: [
      { $value: '1234', unit: 'Wh', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' },
      { $value: '16' },
    ],
  },
];
const ROUND_TRIPS: [string, DecodedObject, (answer: DecodedObject) => void][] = [
  [
    'BootNotification',
    {
      chargePointVendor: 'VendorX',
      chargePointModel: 'ModelY',
      chargePointSerialNumber: 'CPS-1',
      chargeBoxSerialNumber: 'CBS-1',
      firmwareVersion: '1.2.3',
      iccid: '8931',
      imsi: '2620',
      meterType: 'MT-7',
      meterSerialNumber: 'MS-1',
    },
    (a) => {
      assert.equal(a.status, 'Accepted');
      assert.match(String(a.currentTime), ISO);
      assert.equal(a.heartbeatInterval, 300);
    },
  ],
  ['Authorize', { idTag: 'TAG-1' }, (a) => assert.deepEqual(a, { idTagInfo: { status: 'Accepted' } })],
  [
    'StartTransaction',
    { connectorId: 1, idTag: 'TAG-1', timestamp: '2024-05-01T10:00:00Z', meterStart: 1000, reservationId: 7 },
    (a) => {
      assert.ok(
        typeof a.transactionId === 'number' && a.transactionId >= 5000,
        `the legacy system's own transaction id (got ${a.transactionId})`,
      );
      assert.deepEqual(a.idTagInfo, { status: 'Accepted' });
    },
  ],
  ['MeterValues', { connectorId: 1, transactionId: 5000, values: METER_VALUES }, (a) => assert.deepEqual(a, {})],
  [
    'StopTransaction',
    {
      transactionId: 5000,
      idTag: 'TAG-1',
      timestamp: '2024-05-01T11:00:00Z',
      meterStop: 2500,
      transactionData: [{ values: METER_VALUES }],
    },
    (a) => assert.deepEqual(a, { idTagInfo: { status: 'Accepted' } }),
  ],
  ['Heartbeat', {}, (a) => assert.match(String(a.currentTime), ISO)],
  [
    'StatusNotification',
    {
      connectorId: 2,
      status: 'Faulted',
      errorCode: 'GroundFailure',
      info: 'RCD tripped',
      timestamp: '2024-05-01T10:01:00Z',
      vendorId: 'com.vendor',
      vendorErrorCode: 'E42',
    },
    (a) => assert.deepEqual(a, {}),
  ],
  ['FirmwareStatusNotification', { status: 'Installed' }, (a) => assert.deepEqual(a, {})],
  ['DiagnosticsStatusNotification', { status: 'UploadFailed' }, (a) => assert.deepEqual(a, {})],
  [
    'DataTransfer',
    { vendorId: 'com.vendor', messageId: 'Prices', data: 'a < b & "c"' },
    (a) => assert.deepEqual(a, { status: 'Accepted' }),
  ],
];

/** The body of what the legacy system received, decoded by the gateway's codec. */
function receivedBody(record: LegacyRequestRecord): { decoded: DecodedObject; order: string[] } {
  const op = csModel.operations.get(record.operation)!;
  const body = child(child(parseXml(record.rawXml), 'Body', NS.soap12)!, op.requestElement, ocpp15Soap.csNamespace);
  assert.ok(body, `<${op.requestElement}> in the Cs namespace`);
  return {
    decoded: decodeComplex(csModel, csModel.type(op.requestType) as ComplexType, body, op.requestElement),
    order: body.children.map((c) => c.name),
  };
}
/** The decoded form of absent repeated fields: an empty list. */
function emptyLists(operation: string): DecodedObject {
  const type = csModel.type(csModel.operations.get(operation)!.requestType) as ComplexType;
  return Object.fromEntries(type.fields.filter((f) => f.maxOccurs > 1).map((f) => [f.name, []]));
}

describe('legacy client: the gateway forwards charger messages to a node-soap OCPP 1.5 central system', () => {
  const { legacy, client, to } = legacyClientSite();

  it('all ten operations round-trip: every field reaches the legacy system in WSDL order and its answers come back decoded', async () => {
    for (const [operation, request, check] of ROUND_TRIPS) {
      const before = legacy.received.length;
      const record: SoapCallRecord = {};
      const answer = await client.call(to(), operation, request, { from: FROM, timeoutMs: 5_000, record: record });
      check(answer);
      assert.equal(legacy.received.length, before + 1, `${operation}: one request`);
      const received = legacy.received.at(-1)!;
      assert.equal(received.operation, operation);
      assert.equal(received.identity, IDENTITY);
      const { decoded, order } = receivedBody(received);
      assert.deepEqual(decoded, { ...emptyLists(operation), ...request }, `${operation}: the fields as sent`);
      const wsdlOrder = (csModel.type(csModel.operations.get(operation)!.requestType) as ComplexType).fields.map(
        (f) => f.name,
      );
      assert.deepEqual(
        order,
        wsdlOrder.filter((name) => order.includes(name)),
        `${operation}: WSDL sequence order`,
      );
      assert.equal(record.requestXml, received.rawXml, `${operation}: the record holds the request as sent`);
      assert.match(
        record.responseXml ?? '',
        new RegExp(`<(\\w+:)?${csModel.operations.get(operation)!.responseElement}`),
      );
    }
    // node-soap, the legacy system's own stack, read the meter value attributes as attributes.
    const meter = legacy.received.find((r) => r.operation === 'MeterValues')!.request as {
      values: { value: unknown[] }[];
    };
    assert.deepEqual(meter.values[0]!.value[0], {
      attributes: { unit: 'Wh', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' },
      $value: '1234',
    });
    assert.equal(
      (legacy.received.find((r) => r.operation === 'DataTransfer')!.request as { data: string }).data,
      'a < b & "c"',
    );
  });

  it('addressing: To the legacy URL, From the gateway, ReplyTo anonymous or as given, chargeBoxIdentity in the Cs namespace, Action, a fresh MessageID', async () => {
    const first: SoapCallRecord = {};
    await client.call(to(), 'Heartbeat', {}, { from: FROM, timeoutMs: 5_000, record: first });
    const a = legacy.received.at(-1)!.headers;
    assert.deepEqual(a, {
      chargeBoxIdentity: IDENTITY,
      chargeBoxIdentityNs: ocpp15Soap.csNamespace,
      action: '/Heartbeat',
      messageId: first.messageId,
      to: legacy.url,
      from: FROM,
      replyTo: ANONYMOUS,
    });
    assert.match(a.messageId ?? '', /^urn:uuid:[0-9a-f-]{36}$/);
    await client.call(
      to(),
      'Authorize',
      { idTag: 'TAG-2' },
      { from: FROM, replyTo: `${FROM}?reply`, timeoutMs: 5_000 },
    );
    const b = legacy.received.at(-1)!.headers;
    assert.equal(b.replyTo, `${FROM}?reply`);
    assert.equal(b.action, '/Authorize');
    assert.notEqual(b.messageId, a.messageId, 'a fresh MessageID per call');
    assert.equal(
      legacy.chargerAddresses.get(IDENTITY),
      FROM,
      'the legacy system remembers the gateway as the charger address',
    );
    assert.match(
      legacy.received.at(-1)!.rawXml,
      /^<\?xml[^>]*\?><soap:Envelope xmlns:soap="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope"/,
      'SOAP 1.2 envelope',
    );
  });

  it('concurrent calls of many chargers through one client keep their own headers', async () => {
    const identities = Array.from({ length: 20 }, (_, i) => `CP-C${i}`);
    const before = legacy.received.length;
    await Promise.all(
      identities.map((identity) =>
        client.call(
          { ...to(), identity },
          'Authorize',
          { idTag: identity },
          { from: `${FROM}-${identity}`, timeoutMs: 5_000 },
        ),
      ),
    );
    const records = legacy.received.slice(before);
    assert.equal(records.length, identities.length);
    for (const r of records) {
      assert.equal(r.request.idTag, r.identity, 'the header names the charger of the body');
      assert.equal(r.headers.from, `${FROM}-${r.identity}`);
    }
    assert.equal(new Set(records.map((r) => r.headers.messageId)).size, identities.length);
  });

  it('a SOAP Fault -> SoapCallError fault with code, subcode and reason, passable to the charger as it is', async () => {
    legacy.handlers.Authorize = () => {
      throw legacyFault('Sender', 'SecurityError', 'idTag  TAG-9\n is not known here');
    };
    legacy.handlers.DataTransfer = () => {
      throw legacyFault('Receiver', 'DatabaseDown', 'try later');
    };
    try {
      const refused = await failure(
        client.call(to(), 'Authorize', { idTag: 'TAG-9' }, { from: FROM, timeoutMs: 5_000 }),
      );
      assert.equal(refused.kind, 'fault');
      assert.deepEqual(refused.fault, {
        code: 'Sender',
        subcode: 'SecurityError',
        reason: 'idTag TAG-9 is not known here',
      });
      assert.equal(refused.httpStatus, 400);
      assert.equal(soapFailureClass(refused), 'refusal');
      assert.equal(isPeerUnavailable(refused), false);
      const other = await failure(
        client.call(to(), 'DataTransfer', { vendorId: 'v' }, { from: FROM, timeoutMs: 5_000 }),
      );
      assert.deepEqual(
        other.fault,
        { code: 'Receiver', subcode: 'InternalError', reason: 'try later' },
        'a subcode OCPP-S does not define becomes the generic one',
      );
      assert.equal(other.wire?.subcode, 'DatabaseDown');
      assert.equal(other.httpStatus, 500);
    } finally {
      delete legacy.handlers.Authorize;
      delete legacy.handlers.DataTransfer;
    }
  });
});
