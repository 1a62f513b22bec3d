import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { launchChromium } from '../helpers/browser.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'admin-token-for-chart-tests';
const ID = 'CP-CHARTS';
/** The MessageID that envelope() gives every request, echoed as RelatesTo. */
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';
const status = (s: string, errorCode = 'NoError') =>
  `<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>${s}</cs:status><cs:errorCode>${errorCode}</cs:errorCode><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp></cs:statusNotificationRequest>`;
const heartbeat = '<cs:heartbeatRequest/>';

/** The first series' colour on the dashboard (charts.js PALETTE[0]), as RGB. */
const FIRST_SERIES_RGB = [0x25, 0x63, 0xeb];

describe('fleet charts and the charger timeline: API and dashboard in headless Chromium', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const get = (path: string) => fetch(`${gw.adminUrl}${path}`, { headers: auth });
  /** One charger message; the answer must be the operation's response (`heartbeatRequest` -> `/HeartbeatResponse`). */
  const send = async (body: string) => {
    const operation = /<cs:(\w)(\w*)Request/.exec(body)!;
    assertSoapResponse(await post(gw.soapUrl, envelope(body, { identity: ID })), {
      action: `/${operation[1]!.toUpperCase()}${operation[2]}Response`,
      relatesTo: RELATES,
    });
  };
  // Response bodies of the admin API, read loosely: the assertions check their shape.
  const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();
  const sample = () => gw.gateway.charts.fleet.sample();

  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway('embedded', csms.url, { adminToken: TOKEN });
    // Three samples with traffic between them (the gateway samples every 10 s; the test does not wait for that).
    await sample();
    await send(
      '<cs:bootNotificationRequest><cs:chargePointVendor>VendorX</cs:chargePointVendor><cs:chargePointModel>ModelY</cs:chargePointModel></cs:bootNotificationRequest>',
    );
    await send(status('Available'));
    await sample();
    const first = csms.clients.get(ID)!;
    await send(status('Occupied'));
    await send(
      '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>RFID-1</cs:idTag><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>',
    );
    await send(
      '<cs:stopTransactionRequest><cs:transactionId>1001</cs:transactionId><cs:timestamp>2024-05-01T13:00:00Z</cs:timestamp><cs:meterStop>10</cs:meterStop></cs:stopTransactionRequest>',
    );
    await send(status('Faulted', 'GroundFailure'));
    for (let i = 0; i < 5; i++) await send(heartbeat);
    // The CSMS drops the charger's connection; the gateway opens it again before the next sample.
    await first.close({ code: 1001, reason: 'test drop' });
    await until(
      () => csms.clients.get(ID) !== first && gw.gateway.upstream.peek(ID)?.isOpen === true,
      'the gateway to reconnect',
      10_000,
    );
    await sample();
  });
  after(async () => {
    await gw?.stop();
    await csms?.stop();
  });

  it('GET /api/charts: messages by operation, latency, backlog and connections from the samples', async () => {
    const view = await json(get('/api/charts'));
    assert.equal(view.intervalSeconds, 10);
    assert.ok(view.times.length >= 3, 'the start sample and the three taken here');
    const messages = Object.fromEntries(
      view.charts.messages.series.map((s: { name: string; values: number[] }) => [s.name, s.values]),
    );
    for (const operation of ['BootNotification', 'StatusNotification', 'Heartbeat', 'StartTransaction'])
      assert.ok(
        messages[operation]?.some((v: number | null) => v !== null && v > 0),
        operation,
      );
    const latency = view.charts.latency.series.map((s: { name: string }) => s.name);
    assert.ok(latency.includes('p50 charger → CSMS') && latency.includes('p99 charger → CSMS'), String(latency));
    const last = (chart: string, name: string) =>
      view.charts[chart].series.find((s: { name: string }) => s.name === name)?.values.at(-1);
    assert.equal(last('backlog', 'queued'), 0);
    assert.equal(last('backlog', 'dead letters'), 0);
    assert.equal(last('connections', 'CSMS connections open'), 1);
    assert.equal((await get('/api/charts?operations=0')).status, 400);
    assert.match((await json(get('/api/charts?operations=x'))).error, /operations/);
    assert.equal((await fetch(`${gw.adminUrl}/api/charts`)).status, 401);
  });

  it('GET /api/chargers/:id/timeline: status changes, the session, the fault and the CSMS drop, newest first', async () => {
    const { events } = await json(get(`/api/chargers/${ID}/timeline`));
    const kinds = events.map((e: { kind: string }) => e.kind);
    assert.deepEqual(
      kinds.filter((k: string) => !k.startsWith('csms')),
      ['fault', 'session-stop', 'session-start', 'status', 'status'],
    );
    assert.deepEqual(
      events.filter((e: { kind: string }) => e.kind === 'status').map((e: { status: string }) => e.status),
      ['Preparing', 'Available'],
    );
    const start = events.find((e: { kind: string }) => e.kind === 'session-start');
    assert.deepEqual([start.connectorId, start.transactionId, start.detail], [1, 1001, 'Accepted']);
    assert.equal(events.find((e: { kind: string }) => e.kind === 'fault').detail, 'GroundFailure');
    assert.deepEqual(kinds.slice(0, 2), ['csms-open', 'csms-drop'], 'the drop, then the connection open again');
    assert.equal((await json(get(`/api/chargers/${ID}/timeline?limit=2`))).events.length, 2);
    assert.equal((await get(`/api/chargers/${ID}/timeline?limit=0`)).status, 400);
  });

  it('dashboard: uPlot loaded from the admin port only for the charts, drawn with data; the timeline on the charger page', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      const problems: string[] = [];
      // The browser's own favicon request is the admin port's plain 404; anything else is a problem.
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico'))
          problems.push(`${m.text()} ${m.location().url}`);
      });
      page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`));
      page.on('pageerror', (e) => problems.push(e.message));
      // The charger page first: it has no charts, so the chart library is not loaded.
      await page.goto(`${gw.adminUrl}/dashboard/?token=${TOKEN}#/charger/${ID}`);
      await page.waitForSelector('#timeline-chart rect.tl-session');
      assert.equal(await page.evaluate('typeof window.uPlot'), 'undefined');
      assert.ok((await page.locator('#timeline-chart rect.tl-status').count()) >= 2);
      assert.equal(await page.locator('#timeline-chart rect.tl-fault').count(), 1);
      assert.equal(await page.locator('#timeline-chart rect.tl-drop').count(), 1);
      assert.equal(await page.locator('#timeline-events tr.kind-status').count(), 2);
      assert.equal(await page.locator('#timeline-events tr.kind-session-start').count(), 1);
      assert.match((await page.textContent('#timeline-events')) ?? '', /GroundFailure/);
      mkdirSync('test-artifacts', { recursive: true });
      await page.locator('#timeline').screenshot({ path: 'test-artifacts/dashboard-timeline.png' });

      const vendor = page.waitForResponse((r) => r.url().endsWith('/dashboard/vendor/uPlot.iife.min.js'));
      await page.goto(`${gw.adminUrl}/dashboard/#/`);
      assert.equal((await vendor).status(), 200);
      await page.waitForSelector('#chart-messages canvas');
      for (const key of ['messages', 'latency', 'backlog', 'connections'])
        assert.equal(await page.locator(`#chart-${key} canvas`).count(), 1, key);
      // Drawn with data: the first series' line is on the canvas, in its colour.
      const [r, g, b] = FIRST_SERIES_RGB;
      const seriesPixels = `(() => {
        const canvas = document.querySelector('#chart-messages canvas');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 0; i < pixels.length; i += 4)
          if (Math.abs(pixels[i] - ${r}) + Math.abs(pixels[i + 1] - ${g}) + Math.abs(pixels[i + 2] - ${b}) < 40) count++;
        return count;
      })()`;
      // uPlot paints after the canvas is in the page: polled, not read once.
      let drawn = 0;
      await until(async () => (drawn = (await page.evaluate(seriesPixels)) as number) > 20, 'the first series drawn');
      assert.ok(drawn > 20, `pixels of the first series: ${drawn}`);
      assert.match((await page.textContent('#chart-messages')) ?? '', /StatusNotification|Heartbeat/);
      await page.waitForSelector('#fleet tr.row');
      await page.screenshot({ path: 'test-artifacts/dashboard-charts.png', fullPage: true });
      // Only the fleet page shows them.
      await page.goto(`${gw.adminUrl}/dashboard/#/charger/${ID}`);
      await page.waitForSelector('#charts', { state: 'hidden' });
      assert.deepEqual(problems, [], 'no script errors and no content-security-policy refusals');
    } finally {
      await browser.close();
    }
  });
});

describe('fleet charts and the charger timeline with Redis (BullMQ jobs)', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const json = async (path: string): Promise<any> => (await fetch(`${gw.adminUrl}${path}`, { headers: auth })).json();

  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway('redis-jobs', csms.url, { adminToken: TOKEN });
  });
  after(async () => {
    await gw?.stop();
    await csms?.stop();
  });

  it('the queue depth and dead letters are read from Redis; the timeline records the status and the session', async () => {
    await gw.gateway.charts.fleet.sample();
    for (const body of [
      status('Available'),
      '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>RFID-1</cs:idTag><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>',
    ])
      assertSoapResponse(await post(gw.soapUrl, envelope(body, { identity: ID })), {
        action: body.startsWith('<cs:status') ? '/StatusNotificationResponse' : '/StartTransactionResponse',
        relatesTo: RELATES,
      });
    // A delivered job may still be counted as active for a moment: sampled until the queue is seen empty.
    let view: any;
    const last = (chart: string, name: string) =>
      view.charts[chart].series.find((s: { name: string }) => s.name === name)?.values.at(-1);
    await until(async () => {
      await gw.gateway.charts.fleet.sample();
      view = await json('/api/charts');
      return last('backlog', 'queued') === 0;
    }, 'a sample with the queue empty');
    assert.equal(last('backlog', 'dead letters'), 0);
    assert.ok(view.charts.messages.series.find((s: { name: string }) => s.name === 'StartTransaction'));
    assert.equal(last('connections', 'CSMS connections open'), 1);
    const { events } = await json(`/api/chargers/${ID}/timeline`);
    assert.deepEqual(
      events.filter((e: { kind: string }) => !e.kind.startsWith('csms')).map((e: { kind: string }) => e.kind),
      ['session-start', 'status'],
    );
  });
});
