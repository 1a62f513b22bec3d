import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { launchChromium } from '../helpers/browser.js';
import { rpcError, TestCsms } from '../helpers/csms-peer.js';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertFault, assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'admin-token-for-tests';
/** The MessageID that envelope() gives every request, echoed as RelatesTo. */
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';
const boot =
  '<cs:bootNotificationRequest><cs:chargePointVendor>VendorX</cs:chargePointVendor><cs:chargePointModel>ModelY</cs:chargePointModel></cs:bootNotificationRequest>';

/** The value of one series in Prometheus text format, or undefined. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const [series, value] = line.split(' ');
    if (series!.replace(/\{.*/, '') !== name) continue;
    if (want.every((w) => series!.includes(w))) return Number(value);
  }
  return undefined;
}

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

describe('dead letters: a stored message the CSMS kept refusing, in the API, the metrics and the dashboard', () => {
  const ID = 'CP-DEAD';
  const OTHER = 'CP-DEAD-2';
  // Any usable callback address: nothing in these tests calls the chargers, but without one a charger counts as stuck.
  const from = 'http://127.0.0.1:9/charge-point';
  let csms: TestCsms;
  let port: number;
  let gw: RunningGateway;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();
  const get = (path: string) => fetch(`${gw.adminUrl}${path}`, { headers: auth });
  const postJson = (path: string, body: unknown) =>
    fetch(`${gw.adminUrl}${path}`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const deadLetters = async (identity?: string): Promise<{ total: number; deadLetters: any[] }> =>
    json(get(`/api/dead-letters${identity ? `?identity=${encodeURIComponent(identity)}` : ''}`));
  const timestampOf = (minute: number) => `2024-05-01T12:0${minute}:00Z`;
  const meter = (minute: number) =>
    `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>1001</cs:transactionId><cs:values><cs:timestamp>${timestampOf(minute)}</cs:timestamp><cs:value>${minute}</cs:value></cs:values></cs:meterValuesRequest>`;
  /** The MeterValues of this charger the CSMS received (accepted or refused) with this minute's timestamp. */
  const received = (identity: string, minute: number) =>
    csms
      .callsFor(identity, 'MeterValues')
      .filter((c) =>
        (c.payload.meterValue as { timestamp: string }[])[0]!.timestamp.startsWith(timestampOf(minute).slice(0, 19)),
      );

  /**
   * Makes real dead letters: the CSMS goes away, so each charger's MeterValues is stored and answered locally (the
   * charger was acknowledged); the CSMS comes back on the same address answering every MeterValues with CALLERROR
   * InternalError, and after the redelivery bound (deadLetterAfterHours 0.0003, about 1 s) each becomes a dead letter.
   */
  async function makeDeadLetters(messages: [identity: string, minute: number][]): Promise<any[]> {
    const before = (await deadLetters()).total;
    await csms.stop();
    for (const [identity, minute] of messages) {
      assertSoapResponse(await post(gw.soapUrl, envelope(meter(minute), { identity, from })), {
        action: '/MeterValuesResponse',
        relatesTo: RELATES,
      });
    }
    csms = new TestCsms();
    csms.handlers.MeterValues = () => {
      // Markup in the CSMS's text checks that the dashboard shows it as text.
      throw rpcError('InternalError', 'meter store unavailable <img src=x onerror="window.xss=1">');
    };
    await csms.start(port);
    await until(
      async () => (await deadLetters()).total === before + messages.length,
      `${messages.length} new dead letters`,
      30_000,
    );
    return (await deadLetters()).deadLetters;
  }

  before(async () => {
    csms = await new TestCsms().start();
    port = csms.port;
    gw = await startGateway('embedded', csms.url, {
      adminToken: TOKEN,
      deadLetterAfterHours: 0.0003,
      csmsTimeoutMs: 600,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
    });
    for (const identity of [ID, OTHER]) {
      assertSoapResponse(await post(gw.soapUrl, envelope('<cs:heartbeatRequest/>', { identity, from })), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
    }
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('a refused MeterValues becomes a dead letter: listed, counted on its charger and in the metrics; replayed once the CSMS accepts', async () => {
    const [dead] = await makeDeadLetters([[ID, 1]]);
    assert.equal(dead.identity, ID);
    assert.equal(dead.action, 'MeterValues');
    assert.match(dead.reason, /CALLERROR InternalError/);
    assert.match(dead.reason, /meter store unavailable/);
    assert.ok(dead.attempts >= 2, `refused ${dead.attempts} times before it died`);
    assert.ok(
      Date.parse(dead.deadAt) - Date.parse(dead.firstRejectedAt) >= 0.0003 * 3_600_000,
      'dead only after the redelivery bound',
    );
    assert.ok(received(ID, 1).length >= 2, 'the CSMS was offered it more than once');
    assert.deepEqual(
      (await deadLetters(ID)).deadLetters.map((d) => d.id),
      [dead.id],
    );
    assert.equal((await deadLetters(OTHER)).total, 0);

    // The charger status: its own count, and the stuck filter finds it because of it.
    const status = await json(get(`/api/chargers/${ID}`));
    assert.equal(status.deadLetters, 1);
    assert.equal(status.queued, 0, 'the dead letter no longer counts as queued');
    assert.equal((await json(get(`/api/chargers/${OTHER}`))).deadLetters, 0);
    const fleet = await json(get('/api/chargers'));
    assert.deepEqual(
      fleet.chargers.map((c: { identity: string; deadLetters: number }) => [c.identity, c.deadLetters]).sort(),
      [
        [ID, 1],
        [OTHER, 0],
      ],
    );
    const stuck = await json(get('/api/chargers?stuck=true'));
    assert.deepEqual(
      stuck.chargers.map((c: { identity: string }) => c.identity),
      [ID],
    );
    assert.equal(metric(await (await get('/metrics')).text(), 'ocppgw_dead_letters'), 1);

    // Replaying or dropping needs a reason; an unknown id is a 404.
    assert.equal((await postJson(`/api/dead-letters/${dead.id}/replay`, {})).status, 400);
    assert.equal((await postJson(`/api/dead-letters/${dead.id}/replay`, { reason: '   ' })).status, 400);
    assert.equal((await postJson(`/api/dead-letters/${dead.id}/drop`, {})).status, 400);
    assert.equal((await postJson('/api/dead-letters/no-such-id/replay', { reason: 'test' })).status, 404);
    assert.equal((await postJson('/api/dead-letters/no-such-id/drop', { reason: 'test' })).status, 404);
    assert.equal((await deadLetters()).total, 1, 'refused actions changed nothing');

    // The CSMS accepts MeterValues again: the replayed message reaches it and the dead letters are empty.
    delete csms.handlers.MeterValues;
    const offered = received(ID, 1).length;
    const replay = await postJson(`/api/dead-letters/${dead.id}/replay`, { reason: 'CSMS meter store fixed' });
    assert.equal(replay.status, 200);
    assert.deepEqual(await json(replay), {
      id: dead.id,
      identity: ID,
      action: 'MeterValues',
      replayed: true,
      reason: 'CSMS meter store fixed',
    });
    assert.equal((await deadLetters()).total, 0);
    await until(() => received(ID, 1).length > offered, 'the CSMS to receive the replayed MeterValues');
    await until(
      async () => (await json(get(`/api/chargers/${ID}`))).queued === 0,
      'the replayed message to be delivered',
    );
    assert.equal((await json(get(`/api/chargers/${ID}`))).deadLetters, 0);
    assert.deepEqual((await json(get('/api/chargers?stuck=true'))).chargers, []);
    assert.equal(metric(await (await get('/metrics')).text(), 'ocppgw_dead_letters'), 0);
    assert.equal(
      (await postJson(`/api/dead-letters/${dead.id}/replay`, { reason: 'again' })).status,
      404,
      'replayed once only',
    );
    assert.deepEqual(csms.schemaFailures, []);
  });

  it('dropping a dead letter removes it and nothing else', async () => {
    const all = await makeDeadLetters([
      [ID, 2],
      [OTHER, 3],
    ]);
    assert.deepEqual(all.map((d) => d.identity).sort(), [ID, OTHER]);
    const other = all.find((d) => d.identity === OTHER)!;
    const drop = await postJson(`/api/dead-letters/${other.id}/drop`, { reason: 'duplicate reading, not needed' });
    assert.equal(drop.status, 200);
    assert.deepEqual(await json(drop), {
      id: other.id,
      identity: OTHER,
      action: 'MeterValues',
      dropped: true,
      reason: 'duplicate reading, not needed',
    });
    assert.deepEqual(
      (await deadLetters()).deadLetters.map((d) => d.identity),
      [ID],
    );
    assert.equal((await json(get(`/api/chargers/${OTHER}`))).deadLetters, 0);
    assert.equal((await json(get(`/api/chargers/${ID}`))).deadLetters, 1);
    assert.equal(metric(await (await get('/metrics')).text(), 'ocppgw_dead_letters'), 1);
    assert.equal((await postJson(`/api/dead-letters/${other.id}/drop`, { reason: 'again' })).status, 404);
  });

  it('dashboard in headless Chromium: the dead-letter panel, the count column, the charger view, and Replay with a reason', async () => {
    // Left by the previous test: CP-DEAD's MeterValues of 12:02. The CSMS now accepts MeterValues.
    const [dead] = (await deadLetters()).deadLetters;
    assert.equal(dead?.identity, ID);
    delete csms.handlers.MeterValues;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const prompts: string[] = [];
      page.on('dialog', (d) => {
        prompts.push(`${d.type()}: ${d.message()}`);
        void (d.type() === 'prompt' ? d.accept('CSMS accepts meter values again') : d.dismiss());
      });
      await page.goto(`${gw.adminUrl}/dashboard/?token=${TOKEN}`);
      await page.waitForSelector('#dead-letters tr.dead-letter');
      const panel = (await page.textContent('#dead-letters')) ?? '';
      assert.match(panel, /CP-DEAD/);
      assert.match(panel, /MeterValues/);
      assert.match(
        panel,
        /CALLERROR InternalError: meter store unavailable <img src=x onerror="window.xss=1">/,
        'the answer shown as text',
      );
      assert.equal(await page.locator('#view img').count(), 0, 'no markup from the CSMS rendered');
      assert.equal(await page.evaluate('typeof window.xss'), 'undefined');
      assert.equal(await page.locator('#dead-letters tr.dead-letter').count(), 1);
      assert.equal((await page.textContent(`#fleet tr.row[data-id="${ID}"] td.dead-count`))?.trim(), '1');
      assert.equal((await page.textContent(`#fleet tr.row[data-id="${OTHER}"] td.dead-count`))?.trim(), '0');
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/dashboard-dead-letters.png', fullPage: true });
      assert.ok(statSync('test-artifacts/dashboard-dead-letters.png').size > 10_000);

      // The charger view lists its own dead letters; the other charger's lists none.
      await page.click(`#fleet tr.row[data-id="${ID}"]`);
      await page.waitForSelector('#charger-dead-letters tr.dead-letter');
      assert.equal(await page.textContent('#charger-title'), ID);
      assert.match((await page.textContent('#charger-dead-letters')) ?? '', /MeterValues/);
      await page.goto(`${gw.adminUrl}/dashboard/#/charger/${OTHER}`);
      await page.waitForSelector('#charger-dead-letters #dead-letters-none');

      // Replay from the fleet panel: the prompt's answer is the reason; the list empties and the CSMS gets the message.
      await page.goto(`${gw.adminUrl}/dashboard/#/`);
      await page.waitForSelector('#dead-letters tr.dead-letter');
      const offered = received(ID, 2).length;
      await page.click(`#dead-letters tr.dead-letter[data-id="${dead.id}"] button[data-dl-action="replay"]`);
      await page.waitForSelector('#dead-letters #dead-letters-none');
      assert.equal(await page.locator('#dead-letters tr.dead-letter').count(), 0);
      assert.deepEqual(prompts, [`prompt: Why replay this MeterValues of ${ID} to the CSMS? (logged)`]);
      assert.equal((await deadLetters()).total, 0);
      await until(
        () => received(ID, 2).length > offered,
        'the CSMS to receive the MeterValues replayed from the dashboard',
      );
      await until(
        async () => ((await page.textContent(`#fleet tr.row[data-id="${ID}"] td.dead-count`)) ?? '').trim() === '0',
        'the count column to show 0 after a reload',
      );
      await page.screenshot({ path: 'test-artifacts/dashboard-dead-letters-replayed.png', fullPage: true });
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
