import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { CentralSystemEndpoint } from '../../src/soap/central-system-endpoint.js';
import {
  ChargePointRelayEndpoint,
  legacyCallerCheck,
  relayFaultOf,
  relayUrlOf,
  type RelayCall,
} from '../../src/soap/charge-point-relay.js';
import { decodeComplex, type DecodedObject } from '../../src/soap/codec.js';
import { ocpp15Soap } from '../../src/soap/dialects.js';
import { RelayTokens } from '../../src/soap/relay-tokens.js';
import { isPeerUnavailable, SoapCallError, soapFailureClass } from '../../src/soap/soap-call-error.js';
import { MAX_INFLATE_RATIO, SoapClient, type SoapCallRecord } from '../../src/soap/soap-client.js';
import { NS } from '../../src/soap/namespaces.js';
import { createSoapServer } from '../../src/soap/soap-server.js';
import type { ComplexType } from '../../src/soap/wsdl-model.js';
import { child, parseXml } from '../../src/soap/xml.js';
import { createLogger } from '../../src/util/log.js';
import { parseCidr } from '../../src/util/net.js';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
import { ChargerCallFailed, LegacyCentralSystem, legacyFault, type LegacyRequestRecord } from '../helpers/legacy-cs.js';
import { freePort } from '../helpers/processes.js';
import { assertFault, assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

const DIALECT = 'ocpp1.5-soap' as const;
const ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
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

/** A raw HTTP server answering every request with `answer`, counting requests. */
async function rawServer(
  answer: (res: import('node:http').ServerResponse) => void,
): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/CentralSystemService`,
    hits: () => hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The client as the gateway builds it for the legacy system. */
function legacySoapClient(): SoapClient {
  return new SoapClient({
    peer: 'legacy system',
    service: 'centralSystem',
    maxResponseBytes: 1 << 20,
    maxInflateRatio: MAX_INFLATE_RATIO,
  });
}

async function failure(promise: Promise<unknown>): Promise<SoapCallError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SoapCallError, `a SoapCallError, got ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}

describe('legacy client: the gateway forwards charger messages to a node-soap OCPP 1.5 central system', () => {
  let legacy: LegacyCentralSystem;
  let client: SoapClient;
  const IDENTITY = 'CP-LEG-1';
  const FROM = `http://gateway.example:8080/ChargePointService/${IDENTITY}`;
  const to = () => ({ identity: IDENTITY, dialect: DIALECT, url: legacy.url });

  before(async () => {
    legacy = await new LegacyCentralSystem().start();
    client = legacySoapClient();
  });
  after(async () => {
    await legacy.stop();
  });

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

  it('the legacy system down -> unreachable (unavailable); back on the same port it answers again', async () => {
    const port = legacy.port;
    await legacy.stop();
    try {
      const down = await failure(client.call(to(), 'Heartbeat', {}, { from: FROM, timeoutMs: 2_000 }));
      assert.equal(down.kind, 'unreachable');
      assert.equal(isPeerUnavailable(down), true);
      assert.match(down.message, /legacy system unreachable/);
    } finally {
      await legacy.start();
    }
    assert.equal(legacy.port, port);
    // Pooled connections to the stopped system may fail once more until the client has seen them close.
    let answer: DecodedObject | undefined;
    await until(
      async () =>
        (answer = await client.call(to(), 'Heartbeat', {}, { from: FROM, timeoutMs: 2_000 }).catch(() => undefined)) !==
        undefined,
      'the legacy system to answer again',
      3_000,
    );
    assert.match(String(answer!.currentTime), ISO);
  });

  it('a slow answer -> timeout after the bound, not after the answer', async () => {
    let release: (() => void) | undefined;
    legacy.handlers.Heartbeat = () =>
      new Promise((resolve) => (release = () => resolve({ currentTime: new Date().toISOString() })));
    try {
      const started = Date.now();
      const slow = await failure(client.call(to(), 'Heartbeat', {}, { from: FROM, timeoutMs: 300 }));
      assert.equal(slow.kind, 'timeout', slow.message);
      assert.ok(release, 'the legacy system had the request');
      assert.equal(isPeerUnavailable(slow), true);
      assert.ok(Date.now() - started < 3_000, `answered after ${Date.now() - started} ms`);
      assert.match(slow.message, /within 300 ms/);
    } finally {
      release?.();
      delete legacy.handlers.Heartbeat;
    }
  });

  it('an answer whose body stops coming after its headers -> timeout, not an interrupted answer', async () => {
    const head = `<s:Envelope xmlns:s="${NS.soap12}"><s:Body>`;
    const stalls: [string, (res: import('node:http').ServerResponse) => void][] = [
      ['plain, length declared', (res) => res.writeHead(200, { 'Content-Length': '10000' }).write(head)],
      [
        'chunked, trickling past the bound',
        (res) => {
          res.writeHead(200);
          const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(' ')), 20);
        },
      ],
      [
        'gzip, cut off',
        (res) => {
          const zipped = gzipSync(`${head}${' '.repeat(50_000)}</s:Body></s:Envelope>`);
          res.writeHead(200, { 'Content-Encoding': 'gzip' }).write(zipped.subarray(0, zipped.length >> 1));
        },
      ],
    ];
    for (const [shape, answer] of stalls) {
      const raw = await rawServer(answer);
      try {
        const started = Date.now();
        const err = await failure(
          client.call({ ...to(), url: raw.url }, 'Heartbeat', {}, { from: FROM, timeoutMs: 400 }),
        );
        assert.equal(err.kind, 'timeout', `${shape}: ${err.message}`);
        assert.match(err.message, /did not answer within 400 ms/);
        assert.equal(isPeerUnavailable(err), true);
        const took = Date.now() - started;
        assert.ok(took >= 400 && took < 5_000, `${shape}: answered after ${took} ms`);
      } finally {
        await raw.close();
      }
    }
  });

  it('a redirect is never followed: HTTP 307 -> http (unavailable), the target never called', async () => {
    const redirect = await rawServer((res) => res.writeHead(307, { Location: legacy.url }).end());
    try {
      const before = legacy.received.length;
      const moved = await failure(
        client.call({ ...to(), url: redirect.url }, 'Authorize', { idTag: 'TAG-1' }, { from: FROM, timeoutMs: 2_000 }),
      );
      assert.equal(moved.kind, 'http');
      assert.equal(moved.httpStatus, 307);
      assert.equal(isPeerUnavailable(moved), true);
      assert.equal(redirect.hits(), 1);
      assert.equal(legacy.received.length, before, 'the redirect target got nothing');
    } finally {
      await redirect.close();
    }
  });

  it('HTTP errors without a Fault are unavailability; a 200 that is not the response is an invalid answer', async () => {
    const cases: [(res: import('node:http').ServerResponse) => void, SoapCallError['kind'], number, string][] = [
      [(res) => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('maintenance'), 'http', 503, 'unavailable'],
      [
        (res) => res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><body>Not Found</body></html>'),
        'http',
        404,
        'unavailable',
      ],
      [
        (res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK'),
        'invalid-response',
        200,
        'invalid-answer',
      ],
      [
        (res) =>
          res
            .writeHead(200, { 'Content-Type': 'application/soap+xml' })
            .end(
              `<s:Envelope xmlns:s="${NS.soap12}"><s:Body><x:heartbeatResponse xmlns:x="${ocpp15Soap.csNamespace}"><x:currentTime>2024-01-01T00:00:00Z</x:currentTime></x:heartbeatResponse></s:Body></s:Envelope>`,
            ),
        'invalid-response',
        200,
        'invalid-answer',
      ],
    ];
    for (const [answer, kind, status, cls] of cases) {
      const raw = await rawServer(answer);
      try {
        const err = await failure(
          client.call({ ...to(), url: raw.url }, 'Authorize', { idTag: 'TAG-1' }, { from: FROM, timeoutMs: 2_000 }),
        );
        assert.equal(err.kind, kind, err.message);
        assert.equal(err.httpStatus, status);
        assert.equal(soapFailureClass(err), cls);
      } finally {
        await raw.close();
      }
    }
  });
});

describe('legacy client: tolerant of the answer shapes of older SOAP stacks', () => {
  const to = (url: string) => ({ identity: 'CP-LEG-2', dialect: DIALECT, url });
  const xml = (text: string) => (res: import('node:http').ServerResponse) =>
    res.writeHead(200, { 'Content-Type': 'application/soap+xml' }).end(text);

  it('a SOAP 1.1 envelope, no Header, unqualified children, a BOM: decoded', async () => {
    const client = legacySoapClient();
    const shapes = [
      `<e:Envelope xmlns:e="${NS.soap11}"><e:Body><x:authorizeResponse xmlns:x="${ocpp15Soap.csNamespace}"><x:idTagInfo><x:status>Blocked</x:status></x:idTagInfo></x:authorizeResponse></e:Body></e:Envelope>`,
      `\uFEFF<s:Envelope xmlns:s="${NS.soap12}"><s:Body><authorizeResponse xmlns:x="${ocpp15Soap.csNamespace}"><idTagInfo><status>Blocked</status></idTagInfo></authorizeResponse></s:Body></s:Envelope>`,
    ];
    for (const shape of shapes) {
      const raw = await rawServer(xml(shape));
      try {
        const record: SoapCallRecord = {};
        assert.deepEqual(
          await client.call(
            to(raw.url),
            'Authorize',
            { idTag: 'TAG-1' },
            { from: 'http://gw/ChargePointService', timeoutMs: 2_000, record: record },
          ),
          { idTagInfo: { status: 'Blocked' } },
        );
        assert.equal(record.httpStatus, 200);
      } finally {
        await raw.close();
      }
    }
  });

  it('a Fault with HTTP 200 is a refusal; an answer that breaks the schema is an invalid answer', async () => {
    const client = legacySoapClient();
    const fault = `<s:Envelope xmlns:s="${NS.soap12}"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value xmlns:o="${ocpp15Soap.csNamespace}">o:IdentityMismatch</s:Value></s:Subcode></s:Code><s:Reason><s:Text>who?</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`;
    const invalid = `<s:Envelope xmlns:s="${NS.soap12}"><s:Body><x:authorizeResponse xmlns:x="${ocpp15Soap.csNamespace}"><x:idTagInfo><x:status>Maybe</x:status></x:idTagInfo></x:authorizeResponse></s:Body></s:Envelope>`;
    for (const [shape, kind] of [
      [fault, 'fault'],
      [invalid, 'invalid-response'],
    ] as const) {
      const raw = await rawServer(xml(shape));
      try {
        const err = await failure(
          client.call(
            to(raw.url),
            'Authorize',
            { idTag: 'TAG-1' },
            { from: 'http://gw/ChargePointService', timeoutMs: 2_000 },
          ),
        );
        assert.equal(err.kind, kind, err.message);
        if (kind === 'fault')
          assert.deepEqual(err.fault, { code: 'Sender', subcode: 'IdentityMismatch', reason: 'who?' });
        else assert.match(err.detail ?? '', /'Maybe' is not one of AuthorizationStatus/);
      } finally {
        await raw.close();
      }
    }
  });
});

/** The decoded form of absent repeated fields: an empty list. */
function emptyLists(operation: string): DecodedObject {
  const type = csModel.type(csModel.operations.get(operation)!.requestType) as ComplexType;
  return Object.fromEntries(type.fields.filter((f) => f.maxOccurs > 1).map((f) => [f.name, []]));
}

describe('ChargePointService relay: the legacy system calls chargers through the gateway', () => {
  let server: Server;
  let legacy: LegacyCentralSystem;
  let charger: NodeSoapChargePoint;
  let legacyClient: SoapClient;
  let publicUrl: string;
  let relayUrl: string;
  let allowCallers = true;
  const sinkCalls: RelayCall[] = [];
  const tokens = new RelayTokens(randomBytes(32));
  /** The relay address the gateway gives the legacy system for a charger: its identity and token. */
  const tokenUrl = (identity: string) => relayUrlOf(publicUrl, identity, tokens.tokenOf(identity));
  const callbacks = new Map<string, string>();

  before(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}/CentralSystemService`;
    relayUrl = relayUrlOf(publicUrl);
    const config = loadConfig(
      { CONFIG: '' },
      {
        csmsUrl: 'ws://127.0.0.1:9/ocpp',
        port,
        host: '127.0.0.1',
        adminPort: 0,
        publicUrl,
        admission: 'auto-accept',
        logLevel: 'silent',
      },
    );
    const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
    charger = await new NodeSoapChargePoint().start();
    const cpClient = new SoapClient({
      peer: 'charger',
      service: 'chargePoint',
      maxResponseBytes: 1 << 20,
      maxInflateRatio: MAX_INFLATE_RATIO,
    });
    // The test's sink: what the bridge does, reduced to calling the charger at its callback URL.
    const sink = {
      relay: async (call: RelayCall) => {
        sinkCalls.push(call);
        try {
          return {
            kind: 'response' as const,
            body: await cpClient.call(
              { identity: call.identity, dialect: call.dialect, url: callbacks.get(call.identity)! },
              call.operation,
              call.request,
              { from: publicUrl, timeoutMs: 3_000 },
            ),
          };
        } catch (err) {
          return { kind: 'fault' as const, fault: relayFaultOf(err) };
        }
      },
    };
    const relay = new ChargePointRelayEndpoint(config, sink, async () => allowCallers, tokens, logger);
    const endpoint = new CentralSystemEndpoint(
      config,
      { accept: async () => ({ kind: 'retry', reason: 'no CSMS in this test' }) },
      logger,
    );
    server = createSoapServer(endpoint, logger, { headersMs: 5_000, requestMs: 10_000 }, undefined, relay);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    legacy = await new LegacyCentralSystem().start();
    legacyClient = legacySoapClient();
    for (const identity of ['CP-R1', 'CP-R2']) {
      callbacks.set(identity, charger.url);
      // What the gateway forwards on a legacy route: From is the relay, so the legacy system calls the gateway.
      await legacyClient.call(
        { identity, dialect: DIALECT, url: legacy.url },
        'BootNotification',
        { chargePointVendor: 'V', chargePointModel: 'M' },
        { from: tokenUrl(identity), timeoutMs: 5_000 },
      );
    }
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await legacy.stop();
    await charger.stop();
  });

  it("RemoteStartTransaction, Reset and GetConfiguration of the legacy system reach the charger and the charger's answers come back", async () => {
    assert.equal(legacy.chargerAddresses.get('CP-R1'), `${relayUrl}/CP-R1/${tokens.tokenOf('CP-R1')}`);
    charger.answers.Reset = () => ({ status: 'Rejected' });
    charger.answers.GetConfiguration = (args) => ({
      configurationKey: [{ key: 'HeartBeatInterval', readonly: false, value: '120' }],
      unknownKey: (args.key as string[]).filter((k) => k !== 'HeartBeatInterval'),
    });
    try {
      const sinkBefore = sinkCalls.length;
      assert.deepEqual(
        await legacy.callCharger('CP-R1', 'RemoteStartTransaction', { idTag: 'TAG-77', connectorId: 2 }),
        { status: 'Accepted' },
      );
      assert.deepEqual(charger.last('RemoteStartTransaction')?.args, { idTag: 'TAG-77', connectorId: 2 });
      assert.deepEqual(
        await legacy.callCharger('CP-R1', 'Reset', { type: 'Hard' }),
        { status: 'Rejected' },
        "the charger's own answer",
      );
      assert.deepEqual(charger.last('Reset')?.args, { type: 'Hard' });
      const config = await legacy.callCharger('CP-R1', 'GetConfiguration', { key: ['HeartBeatInterval', 'NoSuchKey'] });
      assert.deepEqual(config, {
        configurationKey: [{ key: 'HeartBeatInterval', readonly: false, value: '120' }],
        unknownKey: ['NoSuchKey'],
      });
      const calls = sinkCalls.slice(sinkBefore);
      assert.deepEqual(
        calls.map((c) => c.operation),
        ['RemoteStartTransaction', 'Reset', 'GetConfiguration'],
      );
      assert.deepEqual(calls[0], {
        identity: 'CP-R1',
        dialect: DIALECT,
        operation: 'RemoteStartTransaction',
        request: { idTag: 'TAG-77', connectorId: 2 },
        messageId: calls[0]!.messageId,
        remoteAddress: '127.0.0.1',
      });
      assert.match(calls[0]!.messageId ?? '', /^urn:uuid:/);
      assert.equal(child(charger.last('Reset')!.parsed, 'Header', NS.soap12) !== undefined, true);
    } finally {
      delete charger.answers.Reset;
      delete charger.answers.GetConfiguration;
    }
  });

  it('the answer envelope: SOAP 1.2, the output Action, RelatesTo the MessageID, the body in the Cp namespace in WSDL order', async () => {
    const messageId = 'urn:uuid:aaaaaaaa-1111-2222-3333-444444444444';
    const reply = await post(
      tokenUrl('CP-R2'),
      envelope('<cs:getConfigurationRequest><cs:key>HeartBeatInterval</cs:key></cs:getConfigurationRequest>', {
        identity: 'CP-R2',
        messageId,
        bodyNs: ocpp15Soap.cpNamespace,
        action: '/GetConfiguration',
      }),
    );
    assertSoapResponse(reply, { action: '/GetConfigurationResponse', relatesTo: messageId });
    assert.equal(reply.body?.name, 'getConfigurationResponse');
    assert.equal(reply.body?.ns, ocpp15Soap.cpNamespace);
    const key = child(reply.body!, 'configurationKey', ocpp15Soap.cpNamespace)!;
    assert.deepEqual(
      key.children.map((c) => [c.name, c.ns, c.text]),
      [
        ['key', ocpp15Soap.cpNamespace, 'HeartBeatInterval'],
        ['readonly', ocpp15Soap.cpNamespace, 'false'],
        ['value', ocpp15Soap.cpNamespace, '300'],
      ],
    );
  });

  it('the identity from the path when the header is missing; header and path naming different chargers -> Sender/IdentityMismatch', async () => {
    const reset = '<cs:resetRequest><cs:type>Soft</cs:type></cs:resetRequest>';
    const opts = { identity: null, bodyNs: ocpp15Soap.cpNamespace } as const;
    const byPath = await post(tokenUrl('CP-R2'), envelope(reset, opts));
    assertSoapResponse(byPath, {
      action: '/ResetResponse',
      relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
    });
    assert.equal(sinkCalls.at(-1)?.identity, 'CP-R2');
    const before = sinkCalls.length;
    assertFault(
      await post(tokenUrl('CP-R2'), envelope(reset, { identity: 'CP-R1', bodyNs: ocpp15Soap.cpNamespace })),
      'Sender',
      'IdentityMismatch',
      /another charger/,
    );
    assertFault(await post(relayUrl, envelope(reset, opts)), 'Sender', 'ProtocolError', /chargeBoxIdentity/);
    assert.equal(sinkCalls.length, before, 'nothing relayed');
  });

  it("the charger's Fault reaches the legacy system as it is; a charger that cannot be reached -> Receiver/InternalError", async () => {
    charger.answers.UnlockConnector = () => {
      throw legacyFault('Sender', 'SecurityError', 'not now');
    };
    try {
      const refused = await rejection(legacy.callCharger('CP-R1', 'UnlockConnector', { connectorId: 1 }));
      assert.deepEqual(refused.fault, { code: 'Sender', subcode: 'SecurityError', reason: 'not now' });
      assert.equal(refused.status, 400);
    } finally {
      delete charger.answers.UnlockConnector;
    }
    callbacks.set('CP-R2', `http://127.0.0.1:${await freePort()}/gone`);
    try {
      const gone = await rejection(legacy.callCharger('CP-R2', 'ClearCache', {}));
      assert.deepEqual({ ...gone.fault, reason: '' }, { code: 'Receiver', subcode: 'InternalError', reason: '' });
      assert.match(gone.fault!.reason, /charger unreachable/);
      assert.equal(gone.status, 500);
    } finally {
      callbacks.set('CP-R2', charger.url);
    }
  });

  it('a caller that is not allowed -> Sender/SecurityError, and nothing reaches the sink', async () => {
    const before = sinkCalls.length;
    const received = charger.received.length;
    allowCallers = false;
    try {
      const refused = await rejection(legacy.callCharger('CP-R1', 'Reset', { type: 'Hard' }));
      assert.equal(refused.status, 400);
      assert.equal(refused.fault?.subcode, 'SecurityError');
      assertFault(await post(relayUrl, 'not even XML'), 'Sender', 'SecurityError', /may not call chargers/);
    } finally {
      allowCallers = true;
    }
    assert.equal(sinkCalls.length, before, 'the sink was not called');
    assert.equal(charger.received.length, received, 'the charger got nothing');
  });

  it('bad input gets the Fault or HTTP status of the wire rules, and the relay keeps working', async () => {
    const cp = { identity: 'CP-R1', bodyNs: ocpp15Soap.cpNamespace } as const;
    const before = sinkCalls.length;
    for (const [body, status, reason] of [
      ['', 400, /^empty request body/],
      ['{"json":true}', 400, /^request body is not XML/],
      ['<html><body>hi</body></html>', 400, /^not a SOAP message/],
    ] as const) {
      const reply = await post(relayUrl, body);
      assert.equal(reply.status, status);
      assert.match(reply.text, reason);
    }
    assertFault(
      await post(relayUrl, `<s:Envelope xmlns:s="${NS.soap12}"><s:Body><cp:resetRequest></s:Body>`),
      'Sender',
      'ProtocolError',
      /malformed XML/,
    );
    assertFault(
      await post(relayUrl, `<!DOCTYPE x [<!ENTITY a "b">]><s:Envelope xmlns:s="${NS.soap12}"/>`),
      'Sender',
      'ProtocolError',
    );
    const soap11 = await post(relayUrl, `<e:Envelope xmlns:e="${NS.soap11}"><e:Body/></e:Envelope>`);
    assert.equal(soap11.status, 500);
    assert.match(soap11.text, /VersionMismatch/);
    assertFault(
      await post(relayUrl, envelope('<cs:heartbeatRequest/>', cp)),
      'Receiver',
      'NotSupported',
      /heartbeatRequest is not a ChargePointService operation/,
    );
    assertFault(
      await post(
        relayUrl,
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
      await post(relayUrl, envelope('<cs:resetRequest><cs:type>Medium</cs:type></cs:resetRequest>', cp)),
      'Sender',
      'ProtocolError',
      /resetRequest\/type: 'Medium' is not one of ResetType/,
    );
    assertFault(
      await post(relayUrl, envelope('<cs:remoteStopTransactionRequest/>', cp)),
      'Sender',
      'ProtocolError',
      /transactionId: required element is missing/,
    );
    assertFault(
      await post(
        relayUrl,
        envelope('<cs:resetRequest><cs:type>Soft</cs:type></cs:resetRequest>', { ...cp, messageId: 'x'.repeat(300) }),
      ),
      'Sender',
      'ProtocolError',
      /MessageID longer than 256/,
    );
    assertFault(
      await post(
        `${relayUrl}/%E0%A4%A`,
        envelope('<cs:resetRequest><cs:type>Soft</cs:type></cs:resetRequest>', { ...cp, identity: null }),
      ),
      'Sender',
      'ProtocolError',
      /percent-encoding/,
    );
    assert.equal((await fetch(relayUrl, { method: 'PUT', body: 'x' })).status, 405);
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
      [relayUrl, 'CP-R1'],
      [`${relayUrl}/CP-R1`, null],
      [`${relayUrl}/CP-R1/${tokens.tokenOf('CP-R2')}`, null],
      [`${relayUrl}/CP-R1/${'A'.repeat(22)}`, 'CP-R1'],
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
      const res = await fetch(new URL(path, publicUrl));
      assert.equal(res.status, 200);
      const wsdl = await res.text();
      assert.match(wsdl, new RegExp(`<soap12:address\\s+location="${relayUrl.replace(/[.?]/g, '\\$&')}"`));
      assert.match(wsdl, /<wsdl:service name="ChargePointService">/);
    }
    assert.equal(relayUrl, publicUrl.replace(/CentralSystemService$/, 'ChargePointService'));
    const v16 = await fetch(`${relayUrl}?wsdl&version=1.6`);
    assert.equal(v16.status, 200);
    const v16Wsdl = await v16.text();
    assert.match(v16Wsdl, /urn:\/\/Ocpp\/Cp\/2015\/10\//, "every dialect's ChargePointService, as the endpoint serves");
    assert.ok(v16Wsdl.includes(`location="${relayUrl}"`));
    assert.equal((await fetch(`${relayUrl}?wsdl&version=9`)).status, 404);
    const get = await fetch(relayUrl);
    assert.equal(get.status, 405);
    assert.match(await get.text(), /ChargePointService relay/);
    const csWsdl = await (await fetch(`${publicUrl}?wsdl`)).text();
    assert.match(csWsdl, /<wsdl:service name="CentralSystemService">/);
    assert.equal((await fetch(new URL('/ChargePointServiceX', publicUrl))).status, 404);
    assert.equal((await fetch(new URL('/ChargePointService/a/b/c', publicUrl))).status, 404);
  });
});

async function rejection(promise: Promise<unknown>): Promise<ChargerCallFailed> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ChargerCallFailed, `ChargerCallFailed, got ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}
