import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TestCsms } from '../helpers/csms-peer.js';
import { QUEUE_MODES, startGateway } from '../helpers/gateway-harness.js';
import { assertRetryLater, assertSoapResponse, envelope, post, responseFields } from '../helpers/soap.js';

const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';

for (const mode of QUEUE_MODES) {
  describe(`store-and-forward through a CSMS outage (${mode} queue)`, () => {
    it('answers stored messages locally, refuses decisions with 503, then delivers in order with original timestamps', async () => {
      let csms = await new TestCsms().start();
      const port = csms.port;
      const gw = await startGateway(mode, csms.url, { csmsTimeoutMs: 600, reconnectMinMs: 50, reconnectMaxMs: 200 });
      const id = `CP-SF-${mode}`;
      const send = (body: string) => post(gw.soapUrl, envelope(body, { identity: id }));
      const status = (s: string, ts: string) =>
        `<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>${s}</cs:status><cs:errorCode>NoError</cs:errorCode><cs:timestamp>${ts}</cs:timestamp></cs:statusNotificationRequest>`;
      const meter = (v: number) =>
        `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>1001</cs:transactionId><cs:values><cs:timestamp>2024-05-01T12:0${v}:00Z</cs:timestamp><cs:value>${v}</cs:value></cs:values></cs:meterValuesRequest>`;
      try {
        assertSoapResponse(await send('<cs:heartbeatRequest/>'), { action: '/HeartbeatResponse', relatesTo: RELATES });
        await csms.stop();

        // Outage: everything that needs no CSMS decision is answered; decisions are refused for a retry.
        const heartbeat = await send('<cs:heartbeatRequest/>');
        assertSoapResponse(heartbeat, { action: '/HeartbeatResponse', relatesTo: RELATES });
        assert.match(responseFields(heartbeat, 'heartbeatResponse')[0]![1], /^\d{4}-\d{2}-\d{2}T/);
        assertSoapResponse(await send(status('Occupied', '2024-05-01T11:59:00Z')), {
          action: '/StatusNotificationResponse',
          relatesTo: RELATES,
        });
        for (const v of [1, 2, 3])
          assertSoapResponse(await send(meter(v)), { action: '/MeterValuesResponse', relatesTo: RELATES });
        assertSoapResponse(await send(status('Faulted', '2024-05-01T12:04:00Z')), {
          action: '/StatusNotificationResponse',
          relatesTo: RELATES,
        });
        const stop =
          '<cs:stopTransactionRequest><cs:transactionId>1001</cs:transactionId><cs:timestamp>2024-05-01T12:05:00Z</cs:timestamp><cs:meterStop>3</cs:meterStop></cs:stopTransactionRequest>';
        assertSoapResponse(await send(stop), { action: '/StopTransactionResponse', relatesTo: RELATES });
        assertRetryLater(await send('<cs:authorizeRequest><cs:idTag>T</cs:idTag></cs:authorizeRequest>'));
        assertRetryLater(
          await send(
            '<cs:startTransactionRequest><cs:connectorId>2</cs:connectorId><cs:idTag>T</cs:idTag><cs:timestamp>2024-05-01T12:06:00Z</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>',
          ),
        );

        // The CSMS comes back on the same address.
        csms = await new TestCsms().start(port);
        await csms.waitForCall((c) => c.identity === id && c.action === 'StopTransaction', 15_000);
        const delivered = csms
          .callsFor(id)
          .map((c) => [
            c.action,
            c.payload.timestamp ?? (c.payload.meterValue as { timestamp: string }[] | undefined)?.[0]?.timestamp ?? '',
          ]);
        // The stored heartbeat first; the Occupied status was overtaken by Faulted for the same connector, so only the
        // newer one is replayed, in its own place in the sequence.
        assert.deepEqual(delivered, [
          ['Heartbeat', ''],
          ['MeterValues', '2024-05-01T12:01:00.000Z'],
          ['MeterValues', '2024-05-01T12:02:00.000Z'],
          ['MeterValues', '2024-05-01T12:03:00.000Z'],
          ['StatusNotification', '2024-05-01T12:04:00.000Z'],
          ['StopTransaction', '2024-05-01T12:05:00.000Z'],
        ]);
        assert.equal(
          csms.callsFor(id, 'Authorize').length + csms.callsFor(id, 'StartTransaction').length,
          0,
          'refused decisions were never sent later',
        );
        assert.deepEqual(csms.schemaFailures, []);
      } finally {
        await gw.stop();
        await csms.stop();
      }
    });
  });
}
