import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdirSync } from 'node:fs';
import { launchChromium } from '../helpers/browser.js';
import type { QueueMode } from '../helpers/gateway-harness.js';
import { admin, closeSite, site, TEN, type Site } from '../helpers/migration-site.js';
import { SoapCharger } from '../helpers/soap-charger.js';
import { until } from '../helpers/wait.js';
import { assertFault, envelope, post } from '../helpers/soap.js';
import { ocpp15Soap, ocpp16Soap, type SoapDialect } from '../../src/soap/dialects.js';

/**
 * Migration routing (docs/architecture.md#migration-routing): the old SOAP central system and the OCPP-J CSMS side by
 * side, with real node-soap chargers, a node-soap legacy central system and a strict OCPP-J CSMS.
 */
for (const mode of ['embedded', 'redis'] as QueueMode[]) {
  describe(`route legacy: the old central system stays in charge (${mode})`, () => {
    let s: Site;
    let charger: SoapCharger;
    before(async () => {
      s = await site(mode);
      charger = await SoapCharger.create(s.gw.soapUrl, 'CP-LEG', s.cp.url);
    });
    after(() => closeSite(s));

    it('all ten charger operations round-trip through the legacy system; the CSMS sees nothing', async () => {
      let txId = 0;
      for (const [operation, args] of TEN(() => txId)) {
        const { result } = await charger.call<Record<string, any>>(operation, args());
        const got = s.legacy.received.filter((r) => r.identity === 'CP-LEG' && r.operation === operation).at(-1);
        assert.ok(got, `${operation} reached the legacy system`);
        assert.match(
          got.headers.from ?? '',
          new RegExp(`^${s.gw.baseUrl}/ChargePointService/CP-LEG/[\\w-]{22}$`),
          'wsa:From names the gateway, with the token of the charger',
        );
        assert.equal(got.headers.to, s.legacy.url);
        if (operation === 'StartTransaction') {
          txId = result.transactionId;
          assert.ok(txId >= 5000, "the legacy system's own transaction id reaches the charger");
        }
        if (operation === 'BootNotification') assert.equal(result.status, 'Accepted');
      }
      assert.equal(s.legacy.received.find((r) => r.operation === 'MeterValues')?.request.transactionId, txId);
      assert.equal(s.csms.callsFor('CP-LEG').length, 0);
      assert.equal(s.csms.clients.has('CP-LEG'), false, 'no CSMS connection for a charger routed to the legacy system');
    });

    it("the legacy system's RemoteStartTransaction, Reset and GetConfiguration reach the charger through the gateway", async () => {
      s.cp.answers.GetConfiguration = () => ({
        configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }],
      });
      assert.deepEqual(
        await s.legacy.callCharger('CP-LEG', 'RemoteStartTransaction', { idTag: 'TAG-R', connectorId: 1 }),
        { status: 'Accepted' },
      );
      assert.deepEqual(await s.legacy.callCharger('CP-LEG', 'Reset', { type: 'Soft' }), { status: 'Accepted' });
      const config = await s.legacy.callCharger('CP-LEG', 'GetConfiguration', { key: ['HeartbeatInterval'] });
      assert.equal((config.configurationKey as any[])[0].value, '300');
      assert.deepEqual(
        s.cp.received.slice(-3).map((r) => r.operation),
        ['RemoteStartTransaction', 'Reset', 'GetConfiguration'],
      );
      assert.equal(s.cp.received.at(-3)?.args.idTag, 'TAG-R');
    });

    it('a CSMS command for a charger routed to the legacy system is refused', async () => {
      // The charger's CSMS connection exists only once it is routed there; open one through a csms route and back.
      assert.equal((await admin(s, 'PUT', '/api/chargers/CP-LEG/route', { route: 'csms' })).status, 200);
      await charger.call('Heartbeat', {});
      await until(() => s.csms.clients.has('CP-LEG'), 'the CSMS connection');
      assert.equal((await admin(s, 'PUT', '/api/chargers/CP-LEG/route', { route: 'legacy' })).status, 200);
      await assert.rejects(
        s.csms.clients.get('CP-LEG')!.call('Reset', { type: 'Soft' }),
        /routed to the legacy system/,
      );
    });
  });
}

describe('route legacy+shadow: the CSMS gets a copy of everything and is compared', () => {
  let s: Site;
  let charger: SoapCharger;
  before(async () => {
    s = await site('embedded', { route: 'legacy+shadow' });
    charger = await SoapCharger.create(s.gw.soapUrl, 'CP-SH', s.cp.url);
  });
  after(async () => {
    await closeSite(s);
    assert.deepEqual(s.csms.schemaFailures, [], 'every copy the CSMS received is valid OCPP 1.6 (strict)');
  });

  it("the charger gets the legacy system's answers; the CSMS sees the session under its own transaction id", async () => {
    let txId = 0;
    for (const [operation, args] of TEN(() => txId)) {
      const { result } = await charger.call<Record<string, any>>(operation, args());
      if (operation === 'StartTransaction') txId = result.transactionId;
    }
    assert.ok(txId >= 5000, "the charger has the legacy system's id");
    const expected = TEN(() => 0).map(([op]) => op);
    await until(() => s.csms.callsFor('CP-SH').length >= expected.length, 'every copy at the CSMS');
    assert.deepEqual(
      s.csms.callsFor('CP-SH').map((c) => c.action),
      expected,
    );
    const start = s.csms.callsFor('CP-SH', 'StartTransaction')[0]!;
    assert.equal(start.payload.idTag, 'TAG-1');
    const meter = s.csms.callsFor('CP-SH', 'MeterValues')[0]!;
    const stop = s.csms.callsFor('CP-SH', 'StopTransaction')[0]!;
    assert.notEqual(meter.payload.transactionId, txId, "the CSMS never sees the legacy system's id");
    assert.equal(meter.payload.transactionId, stop.payload.transactionId);
    const status = await admin(s, 'GET', '/api/chargers/CP-SH');
    assert.deepEqual(
      status.json.routing.openTransactions,
      { csms: [], legacy: [] },
      'the session is closed on both systems',
    );
  });

  it('an idTag Accepted by the legacy system and Blocked by the CSMS is a divergence: API, metric', async () => {
    s.csms.handlers.Authorize = () => ({ idTagInfo: { status: 'Blocked' } });
    const { result } = await charger.call<Record<string, any>>('Authorize', { idTag: 'TAG-X' });
    assert.equal(result.idTagInfo.status, 'Accepted', "the charger has the legacy system's decision");
    await until(
      async () => (await admin(s, 'GET', '/api/chargers/CP-SH/divergences')).json.divergences.length > 0,
      'the divergence',
    );
    const [d] = (await admin(s, 'GET', '/api/chargers/CP-SH/divergences')).json.divergences;
    assert.equal(d.operation, 'Authorize');
    assert.equal(d.kind, 'decision');
    assert.equal(d.primary.system, 'legacy');
    assert.equal(d.shadow.answer.body.idTagInfo.status, 'Blocked');
    assert.equal(
      (
        await admin(
          s,
          'GET',
          `/api/divergences?since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`,
        )
      ).json.divergences.length,
      1,
    );
    const metrics = await (await fetch(`${s.gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /ocppgw_shadow_divergences_total\{operation="Authorize",kind="decision"\} 1/);
    delete s.csms.handlers.Authorize;
  });

  it('dashboard in headless Chromium: the route and divergences in the fleet and charger views, the migration page, a route change', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.on('dialog', (d) => void (d.type() === 'prompt' ? d.accept('pilot charger moves first') : d.dismiss()));
      await page.goto(`${s.gw.adminUrl}/dashboard/#/`);
      await page.waitForSelector('#fleet tr.row[data-id="CP-SH"] td.route');
      assert.equal((await page.textContent('#fleet tr.row[data-id="CP-SH"] td.route'))?.trim(), 'legacy+shadow');
      await page.goto(`${s.gw.adminUrl}/dashboard/#/migration`);
      await page.waitForSelector('#divergent');
      assert.match((await page.textContent('#divergent')) ?? '', /CP-SH/);
      assert.match((await page.textContent('#view')) ?? '', /Authorize/);
      await page.goto(`${s.gw.adminUrl}/dashboard/#/charger/CP-SH`);
      await page.waitForSelector('#charger-divergences tr.divergence');
      await page.selectOption('#route-select', 'csms+shadow');
      await page.click('#route-change');
      await until(
        async () => (await admin(s, 'GET', '/api/chargers/CP-SH')).json.routing.route === 'csms+shadow',
        'the route change',
      );
      await page.locator('#route', { hasText: 'csms+shadow' }).waitFor();
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/dashboard-migration.png', fullPage: true });
    } finally {
      await browser.close();
      await admin(s, 'PUT', '/api/chargers/CP-SH/route', { route: 'legacy+shadow' });
    }
  });

  it("a command of the shadow CSMS is refused as read-only; the legacy system's reach the charger", async () => {
    await until(() => s.csms.clients.has('CP-SH'), 'the CSMS connection');
    await assert.rejects(
      s.csms.clients.get('CP-SH')!.call('RemoteStartTransaction', { idTag: 'TAG-1' }),
      /read-only shadow/,
    );
    assert.deepEqual(await s.legacy.callCharger('CP-SH', 'UnlockConnector', { connectorId: 1 }), {
      status: 'Accepted',
    });
  });
});

describe('route legacy+shadow with an OCPP 2.0.1 CSMS as the shadow', () => {
  let s: Site;
  let charger: SoapCharger;
  before(async () => {
    s = await site('embedded', { route: 'legacy+shadow', csmsProtocol: 'ocpp2.0.1' });
    charger = await SoapCharger.create(s.gw.soapUrl, 'CP-SH201', s.cp.url);
  });
  after(async () => {
    await closeSite(s);
    assert.deepEqual(s.csms.schemaFailures, [], 'every copy the 2.0.1 CSMS received is valid OCPP 2.0.1 (strict)');
  });

  it("the 2.0.1 CSMS sees the charger's session as its own transaction: Started, Updated, Ended under one id", async () => {
    let txId = 0;
    for (const [operation, args] of TEN(() => txId)) {
      const { result } = await charger.call<Record<string, any>>(operation, args());
      if (operation === 'StartTransaction') txId = result.transactionId;
    }
    assert.ok(txId >= 5000, "the charger has the legacy system's id");
    await until(() => s.csms.callsFor('CP-SH201', 'TransactionEvent').length === 3, 'the three transaction events');
    const events = s.csms.callsFor('CP-SH201', 'TransactionEvent').map((c) => c.payload as any);
    assert.deepEqual(
      events.map((e) => e.eventType),
      ['Started', 'Updated', 'Ended'],
    );
    assert.equal(
      new Set(events.map((e) => e.transactionInfo.transactionId)).size,
      1,
      'one transaction id, the CSMS view of it',
    );
    assert.deepEqual(
      events.map((e) => e.seqNo),
      [0, 1, 2],
    );
    await until(async () => (await admin(s, 'GET', '/api/migration')).json.shadowBacklog === 0, 'every copy delivered');
  });
});

describe('a charger of another SOAP dialect than the legacy system (LEGACY_CS_DIALECT, docs/architecture.md#migration-routing)', () => {
  let s: Site;
  before(async () => {
    s = await site('embedded');
  });
  after(() => closeSite(s));

  const heartbeat = (identity: string, dialect: SoapDialect) =>
    post(s.gw.soapUrl, envelope('<cs:heartbeatRequest/>', { identity, bodyNs: dialect.csNamespace }));

  it('routed legacy by configuration: its messages get a NotSupported Fault naming both dialects; nothing is sent', async () => {
    assertFault(await heartbeat('CP-L16', ocpp16Soap), 'Receiver', 'NotSupported', /ocpp1\.6-soap.*LEGACY_CS_DIALECT/);
    assert.equal(s.legacy.received.filter((r) => r.identity === 'CP-L16').length, 0);
  });

  it('a route change through the legacy system is refused with the reason; to csms it works', async () => {
    assert.equal((await admin(s, 'PUT', '/api/chargers/CP-L16/route', { route: 'csms' })).status, 200);
    assert.equal((await heartbeat('CP-L16', ocpp16Soap)).status, 200);
    for (const route of ['legacy', 'legacy+shadow', 'csms+shadow']) {
      const refused = await admin(s, 'PUT', '/api/chargers/CP-L16/route', { route });
      assert.equal(refused.status, 400, route);
      assert.match(refused.json.error, /CP-L16 speaks ocpp1\.6-soap and the legacy system ocpp1\.5-soap/);
    }
    // A charger of the legacy system's own dialect still may.
    assert.equal((await heartbeat('CP-L15', ocpp15Soap)).status !== 400, true);
    assert.equal((await admin(s, 'PUT', '/api/chargers/CP-L15/route', { route: 'legacy+shadow' })).status, 200);
  });
});
