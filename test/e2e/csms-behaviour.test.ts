import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { rpcError, TestCsms } from '../helpers/csms-peer.js';
import { QUEUE_MODES, startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertFault, assertRetryLater, assertSoapResponse, envelope, post, responseFields } from '../helpers/soap.js';

const HEARTBEAT = '<cs:heartbeatRequest/>';
const BOOT =
  '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>';
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';

for (const mode of QUEUE_MODES) {
  describe(`how CSMS answers reach the charger (${mode} queue)`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;

    before(async () => {
      csms = await new TestCsms().start();
      gw = await startGateway(mode, csms.url, {
        csmsTimeoutMs: 800,
        bootRetryIntervalSec: 75,
        chargers: { 'CP-AUTH': { basicAuthPassword: 'AL1000-secret-0123456789' } },
      });
    });
    after(async () => {
      await gw.stop();
      await csms.stop();
      assert.deepEqual(csms.schemaFailures, []);
    });

    it('CSMS CALLERRORs become the SOAP Faults of docs/translation.md#callerror-to-soap-fault', async () => {
      const cases: [string, 'Sender' | 'Receiver', string][] = [
        ['NotImplemented', 'Receiver', 'NotSupported'],
        ['NotSupported', 'Receiver', 'NotSupported'],
        ['InternalError', 'Receiver', 'InternalError'],
        ['GenericError', 'Receiver', 'InternalError'],
        ['SecurityError', 'Sender', 'SecurityError'],
        ['PropertyConstraintViolation', 'Sender', 'ProtocolError'],
        ['TypeConstraintViolation', 'Sender', 'ProtocolError'],
      ];
      for (const [code, faultCode, subcode] of cases) {
        csms.handlers.DataTransfer = () => {
          throw rpcError(code, `csms says ${code}`);
        };
        const reply = await post(
          gw.soapUrl,
          envelope('<cs:dataTransferRequest><cs:vendorId>V</cs:vendorId></cs:dataTransferRequest>', {
            identity: 'CP-ERR',
          }),
        );
        assertFault(reply, faultCode, subcode, new RegExp(`central system answered ${code}: csms says ${code}`));
      }
      delete csms.handlers.DataTransfer;
    });

    it('a CSMS that does not answer: Authorize gets HTTP 503 without a Fault (retry) within the bounded wait', async () => {
      csms.handlers.Authorize = () => new Promise(() => undefined);
      const started = Date.now();
      const reply = await post(
        gw.soapUrl,
        envelope('<cs:authorizeRequest><cs:idTag>SLOW</cs:idTag></cs:authorizeRequest>', { identity: 'CP-SLOW' }),
      );
      const elapsed = Date.now() - started;
      assertRetryLater(reply, /did not answer|no answer/);
      assert.ok(elapsed >= 700 && elapsed < 3_000, `answered after ${elapsed} ms, bound is 800 ms`);
      delete csms.handlers.Authorize;
      // The charger's next message is not stuck behind the unanswered one.
      assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-SLOW' })), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
    });

    it('BootNotification Pending: charger told Rejected with the configured interval, other messages refused until Accepted', async () => {
      csms.handlers.BootNotification = () => ({
        status: 'Pending',
        currentTime: '2024-05-01T12:00:00.000Z',
        interval: 0,
      });
      const pending = await post(gw.soapUrl, envelope(BOOT, { identity: 'CP-PENDING' }));
      assertSoapResponse(pending, { action: '/BootNotificationResponse', relatesTo: RELATES });
      assert.deepEqual(responseFields(pending, 'bootNotificationResponse'), [
        ['status', 'Rejected'],
        ['currentTime', '2024-05-01T12:00:00.000Z'],
        ['heartbeatInterval', '75'],
      ]);
      assertFault(
        await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-PENDING' })),
        'Sender',
        'SecurityError',
        /registration Pending/,
      );
      assert.equal(csms.callsFor('CP-PENDING', 'Heartbeat').length, 0);
      csms.handlers.BootNotification = () => ({
        status: 'Accepted',
        currentTime: '2024-05-01T12:00:00.000Z',
        interval: 30,
      });
      const accepted = await post(gw.soapUrl, envelope(BOOT, { identity: 'CP-PENDING' }));
      assert.deepEqual(responseFields(accepted, 'bootNotificationResponse')[0], ['status', 'Accepted']);
      assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-PENDING' })), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
      assert.equal(csms.callsFor('CP-PENDING', 'Heartbeat').length, 1);
      delete csms.handlers.BootNotification;
    });

    it('an identity the CSMS does not know (HTTP 404 on the handshake) gets BootNotification Rejected', async () => {
      csms.unknownIdentities.add('CP-UNKNOWN');
      const reply = await post(gw.soapUrl, envelope(BOOT, { identity: 'CP-UNKNOWN' }));
      assertSoapResponse(reply, { action: '/BootNotificationResponse', relatesTo: RELATES });
      const fields = responseFields(reply, 'bootNotificationResponse');
      assert.deepEqual(
        [fields[0], fields[2]],
        [
          ['status', 'Rejected'],
          ['heartbeatInterval', '75'],
        ],
      );
      // Its other messages are not stored for a CSMS that refuses it: the charger keeps them (README.md, "Security").
      const heartbeat = await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-UNKNOWN' }));
      assert.equal(heartbeat.status, 503);
      assert.match(heartbeat.text, /CSMS refuses charger CP-UNKNOWN \(HTTP 404/);
      assert.equal(await gw.gateway.registry.queued.count('CP-UNKNOWN'), 0, 'nothing waits in a queue nobody drains');
    });

    it('Basic auth per charger from config: the CSMS sees identity and password', async () => {
      assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-AUTH' })), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
      assert.equal(csms.passwords.get('CP-AUTH'), 'AL1000-secret-0123456789');
      assert.equal(csms.passwords.get('CP-SLOW'), undefined);
    });

    it('at most one outstanding CALL per charger, even when the charger fires requests at once', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      csms.handlers.StatusNotification = async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return {};
      };
      const status = (n: number) =>
        `<cs:statusNotificationRequest><cs:connectorId>${n}</cs:connectorId><cs:status>Available</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>`;
      const replies = await Promise.all(
        [1, 2, 3, 4, 5].map((n) => post(gw.soapUrl, envelope(status(n), { identity: 'CP-SERIAL' }))),
      );
      for (const reply of replies)
        assertSoapResponse(reply, { action: '/StatusNotificationResponse', relatesTo: RELATES });
      assert.equal(maxInFlight, 1);
      assert.equal(csms.callsFor('CP-SERIAL', 'StatusNotification').length, 5);
      delete csms.handlers.StatusNotification;
    });

    it('per charger, messages reach the CSMS in the order the charger sent them', async () => {
      for (let i = 0; i < 20; i++) {
        await post(
          gw.soapUrl,
          envelope(
            `<cs:dataTransferRequest><cs:vendorId>V</cs:vendorId><cs:data>${i}</cs:data></cs:dataTransferRequest>`,
            { identity: 'CP-ORDER' },
          ),
        );
      }
      assert.deepEqual(
        csms.callsFor('CP-ORDER', 'DataTransfer').map((c) => c.payload.data),
        Array.from({ length: 20 }, (_, i) => String(i)),
      );
    });
  });
}

describe('CSMS connection failures', () => {
  it('a CSMS that is down: Authorize -> HTTP 503 naming the reason, promptly; Heartbeat stored and answered locally', async () => {
    const gw = await startGateway('embedded', 'ws://127.0.0.1:9/ocpp', { csmsTimeoutMs: 2_000 });
    try {
      const started = Date.now();
      assertRetryLater(
        await post(
          gw.soapUrl,
          envelope('<cs:authorizeRequest><cs:idTag>T</cs:idTag></cs:authorizeRequest>', { identity: 'CP-DOWN' }),
        ),
        /central system unavailable: .*ECONNREFUSED/,
      );
      assert.ok(Date.now() - started < 2_000);
      const heartbeat = await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-DOWN-2' }));
      assertSoapResponse(heartbeat, { action: '/HeartbeatResponse', relatesTo: RELATES });
      assert.ok(Date.now() - started < 2_000, 'answered as soon as the CSMS was found unreachable');
    } finally {
      await gw.stop();
    }
  });

  it('a CSMS that does not agree to ocpp1.6 is a failed connection; a schema-invalid CSMS answer is never passed on', async () => {
    const wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      handleProtocols: (protocols, req) =>
        req.url?.endsWith('/CP-NOPROTO') ? false : protocols.has('ocpp1.6') ? 'ocpp1.6' : false,
    });
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const [, id] = JSON.parse(data.toString()) as [number, string];
        ws.send(JSON.stringify([3, id, { currentTime: 'not a date' }]));
      });
    });
    await new Promise((r) => wss.once('listening', r));
    const gw = await startGateway('embedded', `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ocpp`, {
      csmsTimeoutMs: 2_000,
    });
    try {
      assertRetryLater(
        await post(
          gw.soapUrl,
          envelope('<cs:authorizeRequest><cs:idTag>T</cs:idTag></cs:authorizeRequest>', { identity: 'CP-NOPROTO' }),
        ),
        /did not agree to subprotocol ocpp1.6/,
      );
      assertFault(
        await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-BADCSMS' })),
        'Receiver',
        'InternalError',
        /invalid payload/,
      );
    } finally {
      await gw.stop();
      wss.close();
    }
  });
});
