import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NS } from '../../src/soap/namespaces.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { envelope } from '../helpers/soap.js';
import { ocpp15Soap } from '../../src/soap/dialects.js';

/** Deterministic PRNG (mulberry32), so a failing case can be reproduced from its index. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BODIES = [
  '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>',
  '<cs:heartbeatRequest/>',
  '<cs:authorizeRequest><cs:idTag>TAG1</cs:idTag></cs:authorizeRequest>',
  '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Occupied</cs:status><cs:errorCode>Mode3Error</cs:errorCode><cs:info>x</cs:info></cs:statusNotificationRequest>',
  '<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>5</cs:transactionId><cs:values><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:value unit="Amp" measurand="Current.Import">16</cs:value><cs:value>1</cs:value></cs:values></cs:meterValuesRequest>',
  '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>T</cs:idTag><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>',
  '<cs:stopTransactionRequest><cs:transactionId>5</cs:transactionId><cs:timestamp>2024-05-01T13:00:00Z</cs:timestamp><cs:meterStop>9</cs:meterStop><cs:transactionData><cs:values><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:value>1</cs:value></cs:values></cs:transactionData></cs:stopTransactionRequest>',
  '<cs:dataTransferRequest><cs:vendorId>V</cs:vendorId><cs:data>{"a":1}</cs:data></cs:dataTransferRequest>',
  '<cs:firmwareStatusNotificationRequest><cs:status>Installed</cs:status></cs:firmwareStatusNotificationRequest>',
  '<cs:diagnosticsStatusNotificationRequest><cs:status>Uploaded</cs:status></cs:diagnosticsStatusNotificationRequest>',
];

const HOSTILE_FRAGMENTS = [
  '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
  '<!ENTITY x SYSTEM "file:///etc/passwd">',
  '&x;',
  '&#0;',
  '&#xD800;',
  '<![CDATA[',
  ']]>',
  '<?xml version="1.0"?>',
  '99999999999999999999999',
  '-2147483649',
  'NaN',
  'xsi:nil="true"',
  '<cs:connectorId>1</cs:connectorId>',
  `<a:Action xmlns:a="${NS.wsa}">/Reset</a:Action>`,
  '\u0000',
  '\uFFFF',
  '<',
  '>',
  '"',
  '<x:y xmlns:x="urn:x">'.repeat(40),
];

/**
 * Addresses a charger might offer as wsa:From, ReplyTo or To to make the gateway call somewhere it must not
 * (docs/architecture.md#callback-addresses): metadata services, the gateway's own ports, credentials, other schemes.
 */
const HOSTILE_ADDRESSES = (soapPort: number, adminPort: number) => [
  'http://169.254.169.254/latest/meta-data/',
  'http://[fe80::1]:8080/',
  `http://127.0.0.1:${adminPort}/api/chargers/CP-FUZZ-1/reconnect`,
  `http://localhost:${soapPort}/CentralSystemService`,
  'http://user:password@10.9.9.9:8080/',
  'http://2852039166/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  `http://10.0.0.1/${'p'.repeat(20_000)}`,
  'http://10.0.0.1/\r\nX-Injected: 1',
  '<![CDATA[http://10.0.0.1/]]>',
  'http://www.w3.org/2005/08/addressing/anonymous',
  '',
];

/** One hostile variant of a real-shaped envelope. */
function mutate(rand: () => number, i: number, ports: { soap: number; admin: number }): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  // A third of the envelopes also carry hostile addressing headers.
  const addresses = HOSTILE_ADDRESSES(ports.soap, ports.admin);
  const addressing = rand() < 0.33 ? { from: pick(addresses), replyTo: pick(addresses), to: pick(addresses) } : {};
  let doc = envelope(pick(BODIES), { identity: `CP-FUZZ-${i % 17}`, ...addressing });
  const rounds = 1 + Math.floor(rand() * 3);
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(rand() * doc.length);
    switch (Math.floor(rand() * 10)) {
      case 0: // truncated XML
        doc = doc.slice(0, at);
        break;
      case 1: // hostile fragment inserted anywhere
        doc = doc.slice(0, at) + pick(HOSTILE_FRAGMENTS) + doc.slice(at);
        break;
      case 2: // a character deleted
        doc = doc.slice(0, at) + doc.slice(at + 1);
        break;
      case 3: // a random printable character replaced
        doc = doc.slice(0, at) + String.fromCharCode(32 + Math.floor(rand() * 95)) + doc.slice(at + 1);
        break;
      case 4: // wrong types and huge numbers in every numeric field
        doc = doc.replace(/>(\d+)</g, () => `>${pick(['abc', '1e309', '99999999999999999999', '-0', '1.5', ''])}<`);
        break;
      case 5: // invalid enumeration values
        doc = doc.replace(
          />(Accepted|Occupied|Installed|Uploaded|Mode3Error)</g,
          () => `>${pick(['Charging', 'accepted', '', 'X'.repeat(1000)])}<`,
        );
        break;
      case 6: // an element duplicated
        doc = doc.replace(/(<cs:[a-zA-Z]+>[^<]*<\/cs:[a-zA-Z]+>)/, '$1$1');
        break;
      case 7: // namespace declarations removed or swapped
        doc = doc.replace(
          pick([` xmlns:cs="${ocpp15Soap.csNamespace}"`, ` xmlns:s="${NS.soap12}"`]),
          pick(['', ' xmlns:cs="urn:other"', ` xmlns:s="${NS.soap11}"`]),
        );
        break;
      case 8: // a huge attribute or text
        doc = doc.replace('<cs:', `<cs:x a="${'A'.repeat(Math.floor(rand() * 20_000))}"/><cs:`);
        break;
      default: // random bytes
        doc = Array.from({ length: 1 + Math.floor(rand() * 200) }, () =>
          String.fromCharCode(Math.floor(rand() * 256)),
        ).join('');
    }
  }
  return doc;
}

describe('fuzz: 10,000 malformed or hostile envelopes', () => {
  let csms: TestCsms;
  let gw: RunningGateway;

  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway('embedded', csms.url, { csmsTimeoutMs: 2_000 });
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('every one is answered with a response, a SOAP Fault or a 4xx/503; nothing crashes or hangs; memory returns to baseline', async (t) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    assert.ok(gc, 'the test runner starts node with --expose-gc');
    // Warm up, then take the baseline.
    for (let i = 0; i < 200; i++)
      await fetch(gw.soapUrl, {
        method: 'POST',
        body: envelope('<cs:heartbeatRequest/>', { identity: 'CP-WARM' }),
      }).then((r) => r.text());
    gc();
    const baseline = process.memoryUsage().heapUsed;

    const rand = prng(20261121);
    const ports = { soap: Number(new URL(gw.soapUrl).port), admin: Number(new URL(gw.adminUrl).port) };
    const total = 10_000;
    const counts = new Map<string, number>();
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const body = mutate(rand, i, ports);
        try {
          const res = await fetch(gw.soapUrl, {
            method: 'POST',
            body,
            headers: { 'Content-Type': 'application/soap+xml' },
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          const kind =
            res.status === 200 && /Response/.test(text)
              ? '200 response'
              : (res.status === 400 || res.status === 500) && /<s:Fault>|VersionMismatch/.test(text)
                ? `${res.status} fault`
                : res.status >= 400 && res.status < 600 && text.length > 0
                  ? `${res.status} plain`
                  : `unexpected ${res.status}`;
          counts.set(kind, (counts.get(kind) ?? 0) + 1);
          if (kind.startsWith('unexpected') && failures.length < 5)
            failures.push(`#${i}: ${res.status} ${text.slice(0, 120)}`);
        } catch (err) {
          if (failures.length < 5) failures.push(`#${i}: ${(err as Error).message}`);
          counts.set('no answer', (counts.get('no answer') ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    t.diagnostic(`answers by kind: ${JSON.stringify(Object.fromEntries([...counts.entries()].sort()))}`);
    const answered = [...counts.entries()]
      .filter(([k]) => k !== 'no answer' && !k.startsWith('unexpected'))
      .reduce((n, [, c]) => n + c, 0);
    assert.deepEqual(failures, [], `answers by kind: ${JSON.stringify(Object.fromEntries(counts))}`);
    assert.equal(answered, total);
    assert.ok((counts.get('400 fault') ?? 0) > 1_000, 'most hostile input ends in a Sender fault');
    // No hostile address became a callback URL (the fuzz runs from loopback, under the default same-source policy).
    for (let c = 0; c < 17; c++) {
      const url = (await gw.gateway.registry.contacts.contact(`CP-FUZZ-${c}`))?.callbackUrl;
      assert.ok(url === undefined, `CP-FUZZ-${c} has callback URL ${url}`);
    }
    // Still serving, and the heap is back near its baseline.
    const ok = await fetch(gw.soapUrl, {
      method: 'POST',
      body: envelope('<cs:heartbeatRequest/>', { identity: 'CP-AFTER-FUZZ' }),
    });
    assert.equal(ok.status, 200);
    await new Promise((r) => setTimeout(r, 200));
    gc();
    const growthMb = (process.memoryUsage().heapUsed - baseline) / 1024 / 1024;
    t.diagnostic(`heap growth after 10,000 hostile envelopes: ${growthMb.toFixed(1)} MiB`);
    assert.ok(growthMb < 30, `heap grew by ${growthMb.toFixed(1)} MiB after the fuzz run`);
  });
});
