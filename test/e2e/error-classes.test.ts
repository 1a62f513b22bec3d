import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UpstreamPool } from '../../src/upstream/pool.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { QUEUE_MODES, startGateway } from '../helpers/gateway-harness.js';
import { assertRetryLater, assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

/**
 * docs/architecture.md#error-classes: the same scenario in every queue mode. The faults are injected at the gateway's
 * own seams (its upstream pool and registry objects); Redis, the store, the sockets and the CSMS stay real.
 */
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';
const authorize = (tag: string) => `<cs:authorizeRequest><cs:idTag>${tag}</cs:idTag></cs:authorizeRequest>`;
const meter = (v: number) =>
  `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:values><cs:timestamp>2024-05-01T12:0${v}:00Z</cs:timestamp><cs:value>${v}</cs:value></cs:values></cs:meterValuesRequest>`;

/** While `broken()`, the charger's CSMS connection fails its CALLs with an error that is neither refusal nor outage. */
function breakCalls(pool: UpstreamPool, identity: string, broken: () => boolean): void {
  const get = pool.get.bind(pool);
  pool.get = (id) => {
    const real = get(id);
    if (id !== identity || !broken()) return real;
    const call = () => Promise.reject(new TypeError('simulated fault inside the gateway'));
    return new Proxy(real, { get: (target, key) => (key === 'call' ? call : Reflect.get(target, key, target)) });
  };
}

type ArgsOf<F> = F extends (...args: infer A) => unknown ? A : never;

/** Makes one method of a registry store fail while `failing(args)` says so. */
function failWhile<S extends object, K extends keyof S & string>(
  store: S,
  method: K,
  failing: (...args: ArgsOf<S[K]>) => boolean,
): void {
  const original = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
  (store as Record<string, unknown>)[method] = (...args: ArgsOf<S[K]>) =>
    failing(...args) ? Promise.reject(new Error(`simulated ${method} failure`)) : original(...args);
}

for (const mode of QUEUE_MODES) {
  describe(`error classes (${mode} queue)`, { timeout: 90_000 }, () => {
    it('a fault inside the gateway: a waiting charger gets 503 and its message back; an acknowledged one is tried 5 times, then a dead letter', async () => {
      let csms = await new TestCsms().start();
      const port = csms.port;
      const gw = await startGateway(mode, csms.url, { csmsTimeoutMs: 2_000, reconnectMinMs: 50, reconnectMaxMs: 200 });
      const id = `CP-FAULT-${mode}`;
      const send = (body: string) => post(gw.soapUrl, envelope(body, { identity: id }));
      let broken = false;
      breakCalls(gw.gateway.upstream, id, () => broken);
      try {
        assertSoapResponse(await send('<cs:heartbeatRequest/>'), { action: '/HeartbeatResponse', relatesTo: RELATES });
        broken = true;
        assertRetryLater(await send(authorize('GIVEN-BACK')), /gateway failed to process the message/);

        // Acknowledged first (the CSMS is away), then every attempt fails inside the gateway.
        broken = false;
        await csms.stop();
        assertSoapResponse(await send(meter(1)), { action: '/MeterValuesResponse', relatesTo: RELATES });
        broken = true;
        await until(
          async () => (await gw.gateway.registry.deadLetters.list()).some((d) => d.identity === id),
          'the acknowledged message in the dead letters',
          45_000,
        );
        const [letter] = (await gw.gateway.registry.deadLetters.list()).filter((d) => d.identity === id);
        assert.equal(letter!.action, 'MeterValues');
        assert.equal(letter!.attempts, 5);
        assert.match(letter!.reason, /gateway failed to process it 5 times: simulated fault inside the gateway/);

        // The charger's later messages go on; neither the given-back Authorize nor the dead MeterValues, which were
        // ahead of them, reached the CSMS.
        broken = false;
        csms = await new TestCsms().start(port);
        assertSoapResponse(await send('<cs:heartbeatRequest/>'), { action: '/HeartbeatResponse', relatesTo: RELATES });
        await csms.waitForCall((c) => c.identity === id && c.action === 'Heartbeat', 15_000);
        assert.deepEqual(
          csms.callsFor(id).map((c) => c.action),
          ['Heartbeat'],
        );
        const queued = async () =>
          ((await (await fetch(`${gw.adminUrl}/api/chargers/${id}`)).json()) as { queued: number }).queued;
        await until(async () => (await queued()) === 0, 'neither to count as queued any more');
        assert.deepEqual(csms.schemaFailures, []);
      } finally {
        await gw.stop();
        await csms.stop();
      }
    });

    it('bookkeeping: a stored-messages flag that cannot be cleared is logged, and the next message clears it', async () => {
      let csms = await new TestCsms().start();
      const port = csms.port;
      const logLines: string[] = [];
      const gw = await startGateway(
        mode,
        csms.url,
        { csmsTimeoutMs: 1_500, reconnectMinMs: 50, reconnectMaxMs: 200 },
        undefined,
        logLines,
      );
      const id = `CP-FLAG-${mode}`;
      const send = (body: string) => post(gw.soapUrl, envelope(body, { identity: id }));
      let failClear = true;
      failWhile(
        gw.gateway.registry.contacts,
        'setBacklog',
        (identity, backlog) => identity === id && !backlog && failClear,
      );
      try {
        assertSoapResponse(await send('<cs:heartbeatRequest/>'), { action: '/HeartbeatResponse', relatesTo: RELATES });
        await csms.stop();
        assertSoapResponse(await send(meter(2)), { action: '/MeterValuesResponse', relatesTo: RELATES });
        csms = await new TestCsms().start(port);
        await csms.waitForCall((c) => c.identity === id && c.action === 'MeterValues', 15_000);
        await until(
          () => logLines.some((l) => l.includes(id) && l.includes('could not clear the mark of stored messages')),
          'the failed clear in the log',
        );
        failClear = false;
        // The flag outlived its message: the next decision finds nothing queued, clears it and goes through.
        assertSoapResponse(await send(authorize('AFTER')), { action: '/AuthorizeResponse', relatesTo: RELATES });
        assert.equal(csms.callsFor(id, 'Authorize').length, 1);
      } finally {
        await gw.stop();
        await csms.stop();
      }
    });

    it('an unreadable offline Authorize cache answers nothing: 503, in the delivery and behind a backlog alike', async () => {
      const csms = await new TestCsms().start();
      csms.handlers.Authorize = () => ({ idTagInfo: { status: 'Accepted' } });
      const logLines: string[] = [];
      const gw = await startGateway(
        mode,
        csms.url,
        { offlineAuthorize: true, csmsTimeoutMs: 1_500 },
        undefined,
        logLines,
      );
      const id = `CP-CACHE-${mode}`;
      const send = (body: string) => post(gw.soapUrl, envelope(body, { identity: id }));
      let unreadable = true;
      failWhile(gw.gateway.registry.authorizations, 'get', (identity) => identity === id && unreadable);
      try {
        assertSoapResponse(await send(authorize('KNOWN')), { action: '/AuthorizeResponse', relatesTo: RELATES });
        await csms.stop();
        // The CSMS is away and the cache cannot be read: as without the policy.
        assertRetryLater(await send(authorize('KNOWN')), /central system unavailable/);
        // Behind a stored message the same.
        assertSoapResponse(await send(meter(3)), { action: '/MeterValuesResponse', relatesTo: RELATES });
        assertRetryLater(await send(authorize('KNOWN')), /stored messages waiting/);
        assert.ok(
          logLines.some((l) => l.includes(id) && l.includes('could not read the earlier Authorize answers')),
          'the failed read is logged',
        );
        // Readable again: the policy answers from the CSMS's earlier answer.
        unreadable = false;
        assertSoapResponse(await send(authorize('KNOWN')), { action: '/AuthorizeResponse', relatesTo: RELATES });
      } finally {
        await gw.stop();
        await csms.stop();
      }
    });
  });
}
