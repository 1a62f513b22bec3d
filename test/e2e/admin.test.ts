import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { metric } from '../helpers/admin-call.js';
import { launchChromium } from '../helpers/browser.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertFault, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'admin-token-for-tests';
const boot =
  '<cs:bootNotificationRequest><cs:chargePointVendor>VendorX</cs:chargePointVendor><cs:chargePointModel>ModelY</cs:chargePointModel></cs:bootNotificationRequest>';

describe('operator surface: status API, metrics, trace, dashboard (ADMIN_TOKEN set)', () => {
  let csms: TestCsms;
  let cp: NodeSoapChargePoint;
  let gw: RunningGateway;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const get = (path: string, headers: Record<string, string> = auth) => fetch(`${gw.adminUrl}${path}`, { headers });
  // Response bodies of the status API, read loosely: the assertions check their shape.
  const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

  before(async () => {
    csms = await new TestCsms().start();
    cp = await new NodeSoapChargePoint().start();
    gw = await startGateway('embedded', csms.url, { adminToken: TOKEN });
    // A known sequence: boot, occupied, start, meter values, a fault, a command from the CSMS.
    await post(gw.soapUrl, envelope(boot, { identity: 'CP-OPS', from: cp.url }));
    await post(
      gw.soapUrl,
      envelope(
        '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Occupied</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>',
        { identity: 'CP-OPS' },
      ),
    );
    await post(
      gw.soapUrl,
      envelope(
        '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>RFID-00012345</cs:idTag><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>',
        { identity: 'CP-OPS' },
      ),
    );
    assertFault(
      await post(
        gw.soapUrl,
        envelope('<cs:authorizeRequest><cs:idTag></cs:idTag></cs:authorizeRequest>', { identity: 'CP-OPS' }),
      ),
      'Sender',
      'ProtocolError',
    );
    const first = csms.clients.get('CP-OPS')!;
    await first.call('ChangeConfiguration', { key: 'AuthorizationKey', value: 'TopSecretKey-0123456789' });
    // The gateway reconnects with the new key after answering; the next command goes over the new connection.
    await until(
      () => csms.clients.get('CP-OPS') !== first,
      'the gateway to reconnect with the new AuthorizationKey',
      5_000,
    );
    await csms.clients.get('CP-OPS')!.call('ClearCache', {});
  });
  after(async () => {
    await gw.stop();
    await cp.stop();
    await csms.stop();
  });

  it('health and readiness are open; everything else needs the token', async () => {
    assert.equal((await get('/health', {})).status, 200);
    assert.equal((await get('/ready', {})).status, 200);
    for (const path of ['/metrics', '/api/chargers', '/api/chargers/CP-OPS', '/api/chargers/CP-OPS/trace']) {
      const res = await get(path, {});
      assert.equal(res.status, 401, path);
      assert.match((await json(res)).error, /admin token/);
      assert.equal((await get(path, { Authorization: 'Bearer wrong' })).status, 401);
      assert.equal((await get(path)).status, 200, path);
    }
  });

  it('status API: both sides of a charger, connectors as received and as sent, open transaction', async () => {
    const list = await json(get('/api/chargers'));
    assert.equal(list.total, 1);
    const c = await json(get('/api/chargers/CP-OPS'));
    assert.equal(c.identity, 'CP-OPS');
    assert.equal(c.soap.callbackUrl, cp.url);
    assert.equal(c.soap.callbackSource, 'From');
    assert.deepEqual([c.upstream.ownedHere, c.upstream.state], [true, 'open']);
    assert.equal(c.registration, 'Accepted');
    assert.equal(c.lastBoot.request.chargePointModel, 'ModelY');
    assert.deepEqual(
      c.connectors.map((k: { chargerStatus: string; csmsStatus: string }) => [k.chargerStatus, k.csmsStatus]),
      [['Occupied', 'Charging']],
    );
    assert.deepEqual(
      c.openTransactions.map((t: { transactionId: number }) => t.transactionId),
      [1001],
    );
    assert.equal(c.queued, 0);
    assert.equal((await get('/api/chargers/NOPE')).status, 404);
    assert.equal((await json(get('/api/chargers?upstream=down'))).total, 0);
  });

  it('trace: SOAP beside OCPP-J, idTags masked, AuthorizationKey never shown', async () => {
    const { records } = await json(get('/api/chargers/CP-OPS/trace'));
    const start = records.find((r: { action: string }) => r.action === 'StartTransaction');
    assert.match(start.soapRequest, /startTransactionRequest/);
    assert.match(start.soapResponse, /startTransactionResponse/);
    assert.match(start.ocppCall, /"idTag":"\*{9}2345"/);
    assert.match(start.soapRequest, /<cs:idTag>\*{9}2345<\/cs:idTag>/);
    assert.doesNotMatch(JSON.stringify(records), /RFID-00012345/);
    assert.doesNotMatch(JSON.stringify(records), /TopSecretKey/);
    const command = records.find((r: { action: string }) => r.action === 'ClearCache');
    assert.equal(command.direction, 'csms_to_charger');
    assert.match(command.soapRequest, /clearCacheRequest/);
    assert.match(command.ocppResult, /Accepted/);
  });

  it('metrics: the trace buffer written so far is at least the texts of the records shown', async () => {
    const { records } = await json(get('/api/chargers/CP-OPS/trace'));
    const fields = ['soapRequest', 'soapResponse', 'ocppCall', 'ocppResult'];
    // Masking keeps a text's length, so the texts read back weigh what was written (each with its 4-byte length).
    const written = records
      .flatMap((r: Record<string, string>) => fields.map((f) => r[f]).filter((t) => t !== undefined))
      .reduce((sum: number, t: string) => sum + 4 + Buffer.byteLength(t), 0);
    assert.ok(written > 0);
    const metrics = await (await get('/metrics')).text();
    const gauge = Number(/^ocppgw_trace_buffer_bytes (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(gauge >= written, `gauge ${gauge} against ${written} bytes of texts shown`);
    assert.ok(gauge <= 32 * 2 ** 20, 'never more than TRACE_BUFFER_MIB');
  });

  it('metrics: names and values after the known sequence', async () => {
    const text = await (await get('/metrics')).text();
    assert.equal(
      metric(text, 'ocppgw_messages_total', {
        operation: 'BootNotification',
        direction: 'charger_to_csms',
        outcome: 'forwarded',
      }),
      1,
    );
    assert.equal(
      metric(text, 'ocppgw_messages_total', {
        operation: 'StartTransaction',
        direction: 'charger_to_csms',
        outcome: 'forwarded',
      }),
      1,
    );
    assert.equal(
      metric(text, 'ocppgw_messages_total', {
        operation: 'ClearCache',
        direction: 'csms_to_charger',
        outcome: 'result',
      }),
      1,
    );
    assert.equal(metric(text, 'ocppgw_soap_faults_total', { code: 'Sender', subcode: 'ProtocolError' }), 1);
    assert.equal(metric(text, 'ocppgw_chargers_known'), 1);
    assert.equal(metric(text, 'ocppgw_chargers_soap_active'), 1);
    assert.equal(metric(text, 'ocppgw_chargers_upstream_connected'), 1);
    assert.equal(metric(text, 'ocppgw_chargers_without_callback_url'), 0);
    assert.equal(metric(text, 'ocppgw_queue_depth', { partition: 'embedded' }), 0);
    // Boot, status and start went through the queue; the malformed Authorize never got that far. The embedded
    // queue carries one message per job.
    assert.equal(metric(text, 'ocppgw_queue_messages_added_total'), 3);
    assert.equal(metric(text, 'ocppgw_queue_jobs_added_total'), 3);
    assert.ok((metric(text, 'ocppgw_exchange_duration_seconds_count', { direction: 'charger_to_csms' }) ?? 0) >= 4);
    assert.ok(metric(text, 'ocppgw_process_resident_memory_bytes')! > 0);
  });

  it('actions: reconnect upstream; drop queued needs a reason', async () => {
    const reconnect = await fetch(`${gw.adminUrl}/api/chargers/CP-OPS/reconnect`, { method: 'POST', headers: auth });
    assert.equal(reconnect.status, 200);
    const noReason = await fetch(`${gw.adminUrl}/api/chargers/CP-OPS/queued/drop`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(noReason.status, 400);
    const drop = await fetch(`${gw.adminUrl}/api/chargers/CP-OPS/queued/drop`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'test' }),
    });
    assert.deepEqual(await json(drop), { identity: 'CP-OPS', dropped: 0, reason: 'test' });
    assert.equal(
      (await fetch(`${gw.adminUrl}/api/chargers/NOPE/reconnect`, { method: 'POST', headers: auth })).status,
      409,
    );
  });

  it('dashboard in headless Chromium: the charger that just booted, its connectors and its trace', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${gw.adminUrl}/dashboard/?token=${TOKEN}`);
      await page.waitForSelector('#fleet tr.row');
      assert.match((await page.textContent('#fleet')) ?? '', /CP-OPS/);
      assert.match((await page.textContent('#fleet')) ?? '', /Occupied → Charging/);
      await page.click('#fleet tr.row');
      await page.waitForSelector('#charger-title');
      assert.equal(await page.textContent('#charger-title'), 'CP-OPS');
      await page.waitForSelector('#trace tr.trace-row');
      const trace = await page.textContent('#trace');
      assert.match(trace!, /BootNotification/);
      assert.match(trace!, /bootNotificationRequest/);
      assert.match(trace!, /"chargePointVendor":"VendorX"/);
      assert.match((await page.textContent('#connectors')) ?? '', /Charging/);
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/dashboard-charger.png', fullPage: true });
      assert.ok(statSync('test-artifacts/dashboard-charger.png').size > 10_000);
    } finally {
      await browser.close();
    }
  });
});

describe('operator surface without ADMIN_TOKEN, and the queue board with Redis', () => {
  it('serves the API openly when no token is configured, and Bull Board under /queues', async () => {
    const csms = await new TestCsms().start();
    const gw = await startGateway('redis', csms.url);
    try {
      await post(gw.soapUrl, envelope('<cs:heartbeatRequest/>', { identity: 'CP-OPEN' }));
      assert.equal((await fetch(`${gw.adminUrl}/api/chargers/CP-OPEN`)).status, 200);
      const board = await fetch(`${gw.adminUrl}/queues`);
      assert.equal(board.status, 200);
      assert.match(await board.text(), /<title>Bull Dashboard<\/title>|bull/i);
      // Read-only unless QUEUE_BOARD_WRITE: cleaning a queue there would bypass the logged reason /queued/drop asks for.
      const clean = await fetch(`${gw.adminUrl}/queues/api/queues/upstream-p0/clean/completed`, { method: 'PUT' });
      assert.equal(clean.status, 405);
      assert.match(await clean.text(), /READ_ONLY/);
      const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      assert.ok(metric(text, 'ocppgw_queue_depth', { partition: '0' }) !== undefined, 'queue depth per partition');
      // Nothing was queued ahead of the heartbeat, so the partition's consumer delivered it without a BullMQ job.
      assert.equal(metric(text, 'ocppgw_queue_direct_total'), 1, 'the heartbeat was delivered directly');
      assert.equal(metric(text, 'ocppgw_queue_messages_added_total'), 0);
      assert.equal(metric(text, 'ocppgw_queue_jobs_added_total'), 0);
    } finally {
      await gw.stop();
      await csms.stop();
    }
  });
});
