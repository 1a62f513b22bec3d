import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import type { DecodedObject } from '../../src/soap/codec.js';
import { ocpp15Soap } from '../../src/soap/dialects.js';
import { isPeerUnavailable, type SoapCallError, soapFailureClass } from '../../src/soap/soap-call-error.js';
import type { SoapCallRecord } from '../../src/soap/soap-client.js';
import { NS } from '../../src/soap/namespaces.js';
import { DIALECT, failure, FROM, ISO, legacyClientSite, legacySoapClient, rawServer } from '../helpers/legacy-soap.js';
import { until } from '../helpers/wait.js';

/**
 * The gateway's SOAP client when the legacy central system fails: down, slow, stalling, redirecting, answering with
 * HTTP errors or what is not its answer; and the answer shapes of older SOAP stacks it reads all the same.
 */

describe('legacy client: a legacy system that fails is unavailable or refusing, told apart', () => {
  const { legacy, client, to } = legacyClientSite();

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
    const stalls: [string, (res: ServerResponse) => void][] = [
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
    const cases: [(res: ServerResponse) => void, SoapCallError['kind'], number, string][] = [
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
  const xml = (text: string) => (res: ServerResponse) =>
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
