import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertFault, assertSoapResponse, envelope, post, postFrom } from '../helpers/soap.js';

/**
 * Where a charger's messages come from (docs/architecture.md#security), as operators see it: a pinned source address
 * and its re-pinning, and every change of a charger's callback address logged, counted and shown.
 */
const HEARTBEAT = '<cs:heartbeatRequest/>';
/** The MessageID that envelope() gives every request, echoed as RelatesTo. */
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';
const BOOT =
  '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>';

describe("a charger's source address and callback changes, as operators see them", () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  const logLines: string[] = [];
  const admin = (path: string, body?: object) =>
    fetch(
      `${gw.adminUrl}${path}`,
      body
        ? { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }
        : undefined,
    );

  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway(
      'embedded',
      csms.url,
      {
        chargers: {
          'CP-PIN': { pinSource: true, soapPassword: 'pin-password-0123' },
          'CP-MOVE': { callbackUserInfo: true },
        },
      },
      undefined,
      logLines,
    );
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('pinSource: the first authenticated address is pinned, others are refused until an operator re-pins', async () => {
    const right = { Authorization: `Basic ${Buffer.from('CP-PIN:pin-password-0123').toString('base64')}` };
    const wrong = { Authorization: `Basic ${Buffer.from('CP-PIN:not-the-password').toString('base64')}` };
    // Without the credentials nobody pins their address first.
    assertFault(
      await postFrom(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-PIN' }), '127.0.0.6', wrong),
      'Sender',
      'SecurityError',
      /authentication failed/,
    );
    assertSoapResponse(await postFrom(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-PIN' }), '127.0.0.1', right), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    assertFault(
      await postFrom(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-PIN' }), '127.0.0.7', right),
      'Sender',
      'SecurityError',
      /pinned to another source address/,
    );
    assert.equal(
      ((await (await admin('/api/chargers/CP-PIN')).json()) as { soap: { pinnedSource?: string } }).soap.pinnedSource,
      '127.0.0.1',
    );

    assert.equal((await admin('/api/chargers/CP-PIN/repin', {})).status, 400, 'a re-pin needs a reason');
    assert.equal((await admin('/api/chargers/CP-PIN/repin', { reason: 'x', address: 'not-an-ip' })).status, 400);
    const repin = await admin('/api/chargers/CP-PIN/repin', { reason: 'charger moved to the new site network' });
    assert.deepEqual(await repin.json(), {
      identity: 'CP-PIN',
      previous: '127.0.0.1',
      reason: 'charger moved to the new site network',
    });
    assert.ok(
      logLines.some((l) => l.includes('re-pinned the source of CP-PIN') && l.includes('new site network')),
      'the re-pin is logged with its reason',
    );
    assertSoapResponse(await postFrom(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-PIN' }), '127.0.0.7', right), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    assertFault(
      await postFrom(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-PIN' }), '127.0.0.1', right),
      'Sender',
      'SecurityError',
      /pinned/,
    );
  });

  it('every callback change is a warning with both addresses and the sender, counted, and kept in the status API', async () => {
    const first = 'http://127.0.0.1:18001/cp';
    const second = 'http://operator:s3cret-pass@127.0.0.1:18002/cp';
    assertSoapResponse(await post(gw.soapUrl, envelope(BOOT, { identity: 'CP-MOVE', from: first })), {
      action: '/BootNotificationResponse',
      relatesTo: RELATES,
    });
    assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-MOVE', from: first })), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-MOVE', from: second })), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });

    const changes = logLines.filter((l) => l.includes('callback URL of CP-MOVE'));
    assert.equal(changes.length, 2, 'learned once, changed once; an unchanged address is not news');
    const changed = JSON.parse(changes[1]!) as {
      level: number;
      previous: string;
      callbackUrl: string;
      remoteAddress: string;
    };
    assert.equal(changed.level, 40, 'at warn');
    assert.deepEqual(
      [changed.previous, changed.callbackUrl, changed.remoteAddress],
      [first, 'http://***@127.0.0.1:18002/cp', '127.0.0.1'],
    );
    assert.ok(!logLines.some((l) => l.includes('s3cret-pass')), 'credentials are never logged');

    const status = (await (await admin('/api/chargers/CP-MOVE')).json()) as {
      soap: { callbackHistory: { url: string; previous?: string; source: string }[] };
    };
    assert.deepEqual(
      status.soap.callbackHistory.map((c) => [c.url, c.previous, c.source]),
      [
        ['http://***@127.0.0.1:18002/cp', first, 'From'],
        [first, undefined, 'From'],
      ],
    );
    assert.match(await (await admin('/metrics')).text(), /ocppgw_callback_changes_total\{source="From"\} 2/);
  });
});
