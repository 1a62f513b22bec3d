import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { metric } from '../helpers/admin-call.js';
import { launchChromium } from '../helpers/browser.js';
import { rpcError, TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

/**
 * Dead letters as an operator meets them: a stored message the CSMS kept refusing, listed and counted in the admin API
 * and the metrics, replayed or dropped, and shown on the dashboard in headless Chromium.
 */

const TOKEN = 'admin-token-for-tests';
/** The MessageID that envelope() gives every request, echoed as RelatesTo. */
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';

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
