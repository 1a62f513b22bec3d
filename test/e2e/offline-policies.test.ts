import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestCsms } from '../helpers/csms-peer.js';
import { QUEUE_MODES, startGateway } from '../helpers/gateway-harness.js';
import { assertRetryLater, assertSoapResponse, envelope, post, responseFields } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';
const authorize = (tag: string) => `<cs:authorizeRequest><cs:idTag>${tag}</cs:idTag></cs:authorizeRequest>`;

for (const mode of QUEUE_MODES) {
  describe(`offline policies and the queue bound (${mode} queue)`, () => {
    it("offlineAuthorize answers from the CSMS's earlier answer while it is away; never for an unknown idTag", async () => {
      let csms = await new TestCsms().start();
      const port = csms.port;
      csms.handlers.Authorize = () => ({ idTagInfo: { status: 'Accepted', parentIdTag: 'FLEET' } });
      const on = await startGateway(mode, csms.url, { offlineAuthorize: true, csmsTimeoutMs: 800 });
      const off = await startGateway(mode, csms.url, { csmsTimeoutMs: 800 });
      try {
        assertSoapResponse(await post(on.soapUrl, envelope(authorize('KNOWN'), { identity: 'CP-OFF-1' })), {
          action: '/AuthorizeResponse',
          relatesTo: RELATES,
        });
        assertSoapResponse(await post(off.soapUrl, envelope(authorize('KNOWN'), { identity: 'CP-OFF-2' })), {
          action: '/AuthorizeResponse',
          relatesTo: RELATES,
        });
        await csms.stop();
        const cached = await post(on.soapUrl, envelope(authorize('KNOWN'), { identity: 'CP-OFF-1' }));
        assertSoapResponse(cached, { action: '/AuthorizeResponse', relatesTo: RELATES });
        assert.equal(cached.body?.children[0]?.children.find((c) => c.name === 'parentIdTag')?.text, 'FLEET');
        assertRetryLater(await post(on.soapUrl, envelope(authorize('NEVER-SEEN'), { identity: 'CP-OFF-1' })));
        assertRetryLater(
          await post(off.soapUrl, envelope(authorize('KNOWN'), { identity: 'CP-OFF-2' })),
          /central system unavailable/,
        );
        csms = await new TestCsms().start(port);
      } finally {
        await on.stop();
        await off.stop();
        await csms.stop();
      }
    });

    it('offlineStartTransaction: a local transaction id while the CSMS is away, mapped to the CSMS id when it returns', async () => {
      let csms = await new TestCsms().start();
      const port = csms.port;
      csms.handlers.StartTransaction = () => ({ transactionId: 555, idTagInfo: { status: 'Accepted' } });
      const gw = await startGateway(mode, csms.url, {
        offlineStartTransaction: true,
        csmsTimeoutMs: 1_500,
        reconnectMinMs: 50,
        reconnectMaxMs: 200,
      });
      const id = `CP-OFFSTART-${mode}`;
      const send = (body: string) => post(gw.soapUrl, envelope(body, { identity: id }));
      try {
        assertSoapResponse(await send(authorize('DRIVER-1')), { action: '/AuthorizeResponse', relatesTo: RELATES });
        await csms.stop();
        const start = (tag: string) =>
          send(
            `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>${tag}</cs:idTag><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:meterStart>100</cs:meterStart></cs:startTransactionRequest>`,
          );
        assertRetryLater(await start('STRANGER'), /unavailable|did not answer/);
        const started = await start('DRIVER-1');
        assertSoapResponse(started, { action: '/StartTransactionResponse', relatesTo: RELATES });
        const localId = Number(responseFields(started, 'startTransactionResponse')[0]![1]);
        assert.equal(localId, 2_000_000_000, 'a local transaction id');
        assertSoapResponse(
          await send(
            `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${localId}</cs:transactionId><cs:values><cs:timestamp>2024-05-01T12:05:00Z</cs:timestamp><cs:value>150</cs:value></cs:values></cs:meterValuesRequest>`,
          ),
          { action: '/MeterValuesResponse', relatesTo: RELATES },
        );
        assertSoapResponse(
          await send(
            `<cs:stopTransactionRequest><cs:transactionId>${localId}</cs:transactionId><cs:timestamp>2024-05-01T12:10:00Z</cs:timestamp><cs:meterStop>200</cs:meterStop></cs:stopTransactionRequest>`,
          ),
          { action: '/StopTransactionResponse', relatesTo: RELATES },
        );
        csms = await new TestCsms().start(port);
        csms.handlers.StartTransaction = () => ({ transactionId: 555, idTagInfo: { status: 'Accepted' } });
        await csms.waitForCall((c) => c.identity === id && c.action === 'StopTransaction', 15_000);
        const calls = csms.callsFor(id).filter((c) => c.action !== 'StatusNotification');
        assert.deepEqual(
          calls.map((c) => [c.action, c.payload.transactionId ?? null, c.payload.timestamp ?? null]),
          [
            ['StartTransaction', null, '2024-05-01T12:00:00.000Z'],
            ['MeterValues', 555, null],
            ['StopTransaction', 555, '2024-05-01T12:10:00.000Z'],
          ],
          'delivered in order, original timestamps, the local id replaced by the CSMS id',
        );
        assert.equal((await gw.gateway.registry.states.load(id))?.localTransactions?.[String(localId)]?.csmsId, 555);
        assert.deepEqual(csms.schemaFailures, []);
      } finally {
        await gw.stop();
        await csms.stop();
      }
    });

    it('over the per-charger bound: MeterValues refused with 503, Heartbeat answered locally, StopTransaction still queued', async () => {
      const csms = await new TestCsms().start();
      const gw = await startGateway(mode, csms.url, { maxQueuedPerCharger: 10 });
      const id = `CP-FULL-${mode}`;
      try {
        for (let i = 0; i < 10; i++) await gw.gateway.registry.queued.add(id, 1);
        assertRetryLater(
          await post(
            gw.soapUrl,
            envelope(
              '<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:values><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:value>1</cs:value></cs:values></cs:meterValuesRequest>',
              { identity: id },
            ),
          ),
          /10 messages queued \(limit 10\)/,
        );
        const heartbeat = await post(gw.soapUrl, envelope('<cs:heartbeatRequest/>', { identity: id }));
        assertSoapResponse(heartbeat, { action: '/HeartbeatResponse', relatesTo: RELATES });
        assert.match(responseFields(heartbeat, 'heartbeatResponse')[0]![1], /^\d{4}-/);
        assertSoapResponse(
          await post(
            gw.soapUrl,
            envelope(
              '<cs:stopTransactionRequest><cs:transactionId>4</cs:transactionId><cs:timestamp>2024-05-01T13:00:00Z</cs:timestamp><cs:meterStop>2</cs:meterStop></cs:stopTransactionRequest>',
              { identity: id },
            ),
          ),
          {
            action: '/StopTransactionResponse',
            relatesTo: RELATES,
          },
        );
        assert.deepEqual(
          csms.callsFor(id).map((c) => c.action),
          ['StopTransaction'],
          'only the transaction went through',
        );
        // The count drops just after the job finishes (not awaited on the message's path).
        await until(
          async () => (await gw.gateway.registry.queued.count(id)) === 10,
          'the queued count to drop back to 10 once the stop is done',
          2_000,
        );
        assert.equal(
          await gw.gateway.registry.queued.count(id),
          10,
          'the stop was counted while queued and uncounted when done',
        );
      } finally {
        await gw.stop();
        await csms.stop();
      }
    });
  });
}
