import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { QueueMode } from '../helpers/gateway-harness.js';
import { legacyFault } from '../helpers/legacy-cs.js';
import { admin, closeSite, NOW, site, type Site } from '../helpers/migration-site.js';
import { envelope, post } from '../helpers/soap.js';
import { SoapCharger } from '../helpers/soap-charger.js';
import { until } from '../helpers/wait.js';

/**
 * Cutting chargers over between the legacy system and the CSMS (docs/architecture.md#migration-routing): no
 * transaction is split, route changes through the admin API, outages of either side, and the CSMS as primary with
 * the legacy system as the shadow.
 */
const start = (idTag = 'TAG-1') => ({ connectorId: 1, idTag, timestamp: NOW(), meterStart: 100 });
const meter = (transactionId: number) => ({
  connectorId: 1,
  transactionId,
  values: [
    {
      timestamp: NOW(),
      value: [{ attributes: { measurand: 'Energy.Active.Import.Register', unit: 'Wh' }, $value: '150' }],
    },
  ],
});
const stop = (transactionId: number) => ({ transactionId, idTag: 'TAG-1', timestamp: NOW(), meterStop: 200 });

for (const mode of ['embedded', 'redis'] as QueueMode[]) {
  describe(`cut-over in the middle of a transaction (${mode})`, () => {
    let s: Site;
    let charger: SoapCharger;
    before(async () => {
      s = await site(mode, { chargers: { 'CP-CUT': {} }, admission: 'allowlist' });
      charger = await SoapCharger.create(s.gw.soapUrl, 'CP-CUT', s.cp.url);
    });
    after(() => closeSite(s));

    const txs = async () => (await admin(s, 'GET', '/api/chargers/CP-CUT')).json.routing;

    it('legacy -> csms: the open transaction ends on the legacy system, the next one starts on the CSMS', async () => {
      await charger.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      const legacyTx = (await charger.call<{ transactionId: number }>('StartTransaction', start())).result
        .transactionId;
      assert.ok(legacyTx >= 5000);
      const moved = await admin(s, 'PUT', '/api/chargers/CP-CUT/route', { route: 'csms', reason: 'first wave' });
      assert.deepEqual(moved.json.changed, [{ identity: 'CP-CUT', previous: 'legacy', route: 'csms' }]);
      assert.deepEqual(await txs(), {
        route: 'csms',
        openTransactions: { csms: [], legacy: [legacyTx] },
        divergences24h: 0,
      });
      await charger.call('MeterValues', meter(legacyTx));
      await charger.call('StopTransaction', stop(legacyTx));
      assert.deepEqual(
        s.legacy.received
          .filter((r) => r.operation === 'MeterValues' || r.operation === 'StopTransaction')
          .map((r) => [r.operation, r.request.transactionId]),
        [
          ['MeterValues', legacyTx],
          ['StopTransaction', legacyTx],
        ],
      );
      assert.equal(
        s.csms.callsFor('CP-CUT', 'MeterValues').length + s.csms.callsFor('CP-CUT', 'StopTransaction').length,
        0,
      );
      const csmsTx = (await charger.call<{ transactionId: number }>('StartTransaction', start())).result.transactionId;
      assert.equal(csmsTx, 1001, "the CSMS's id");
      assert.equal(s.csms.callsFor('CP-CUT', 'StartTransaction').length, 1);
      assert.deepEqual((await txs()).openTransactions, { csms: [csmsTx], legacy: [] });
    });

    it('roll-back csms -> legacy works the same way', async () => {
      await admin(s, 'PUT', '/api/chargers/CP-CUT/route', { route: 'legacy', reason: 'roll-back' });
      await charger.call('MeterValues', meter(1001));
      await charger.call('StopTransaction', stop(1001));
      assert.equal(
        s.csms.callsFor('CP-CUT', 'StopTransaction')[0]?.payload.transactionId,
        1001,
        'the CSMS ends its own transaction',
      );
      const next = (await charger.call<{ transactionId: number }>('StartTransaction', start())).result.transactionId;
      assert.ok(next >= 5000, 'the next one starts on the legacy system again');
      assert.deepEqual((await txs()).openTransactions, { csms: [], legacy: [next] });
    });
  });
}

describe('route changes through the admin API', () => {
  let s: Site;
  before(async () => {
    s = await site('embedded', {
      chargers: { 'CP-A': {}, 'CP-B': {}, 'CP-C': {} },
      admission: 'allowlist',
    });
  });
  after(() => closeSite(s));

  it('one charger or a batch; an unknown route or identity is refused with 400 naming it; the migration overview counts', async () => {
    const bad = await admin(s, 'PUT', '/api/chargers/CP-A/route', { route: 'sideways' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error, /unknown route "sideways"/);
    const unknown = await admin(s, 'POST', '/api/routes', { identities: ['CP-A', 'CP-NOBODY'], route: 'csms' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.error, /unknown charger "CP-NOBODY"/);
    assert.equal((await admin(s, 'GET', '/api/migration')).json.routes.csms, 0, 'a refused batch changes nothing');
    const batch = await admin(s, 'POST', '/api/routes', {
      identities: ['CP-A', 'CP-B'],
      route: 'legacy+shadow',
      reason: 'wave 2',
    });
    assert.equal(batch.status, 200);
    assert.deepEqual(
      batch.json.changed.map((c: { identity: string }) => c.identity),
      ['CP-A', 'CP-B'],
    );
    const overview = (await admin(s, 'GET', '/api/migration')).json;
    assert.deepEqual(overview.routes, { csms: 0, legacy: 1, 'legacy+shadow': 2, 'csms+shadow': 0 });
    assert.match(
      await (await fetch(`${s.gw.adminUrl}/metrics`)).text(),
      /ocppgw_chargers_by_route\{route="legacy\+shadow"\} 2/,
    );
  });
});

describe('a legacy system of one dialect', () => {
  let s: Site;
  before(async () => {
    s = await site('embedded', { chargers: { 'CP-16': { dialect: 'ocpp1.6-soap', route: 'csms' } } });
  });
  after(() => closeSite(s));

  it('a charger of another dialect than LEGACY_CS_DIALECT is refused a route through the legacy system, naming both', async () => {
    for (const route of ['legacy', 'legacy+shadow', 'csms+shadow']) {
      const refused = await admin(s, 'PUT', '/api/chargers/CP-16/route', { route, reason: 'try' });
      assert.equal(refused.status, 400, route);
      assert.match(refused.json.error, /CP-16 speaks ocpp1\.6-soap and the legacy system ocpp1\.5-soap/);
    }
  });
});

describe('outages with a shadow', () => {
  let s: Site;
  let charger: SoapCharger;
  before(async () => {
    s = await site('embedded', { route: 'legacy+shadow' });
    charger = await SoapCharger.create(s.gw.soapUrl, 'CP-OUT', s.cp.url);
  });
  after(() => closeSite(s));

  it('the shadow down: the charger is answered by the legacy system, and the CSMS gets every copy when it is back', async () => {
    await charger.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    await until(() => s.csms.callsFor('CP-OUT', 'BootNotification').length === 1, 'the boot copy');
    const port = s.csms.port;
    await s.csms.stop();
    for (let i = 0; i < 10; i++) {
      const { result } = await charger.call<{ idTagInfo: { status: string } }>('Authorize', { idTag: `TAG-${i}` });
      assert.equal(result.idTagInfo.status, 'Accepted', 'answered by the legacy system while the shadow is down');
    }
    assert.equal((await admin(s, 'GET', '/api/migration')).json.shadowBacklog, 1, 'the copies wait');
    await s.csms.start(port);
    await until(() => s.csms.callsFor('CP-OUT', 'Authorize').length === 10, 'all ten copies', 20_000);
    assert.deepEqual(
      s.csms.callsFor('CP-OUT', 'Authorize').map((c) => c.payload.idTag),
      Array.from({ length: 10 }, (_, i) => `TAG-${i}`),
      'in order',
    );
    await until(async () => (await admin(s, 'GET', '/api/migration')).json.shadowBacklog === 0, 'no copy left');
    const missing = (await admin(s, 'GET', '/api/chargers/CP-OUT/divergences')).json.divergences.filter(
      (d: { kind: string }) => d.kind === 'missing',
    );
    assert.ok(missing.length >= 1, 'the late answers are recorded as missing at first');
  });

  it('the legacy system down: a status notification is stored and delivered later, a decision gets 503', async () => {
    const port = s.legacy.port;
    await s.legacy.stop();
    const decision = await post(
      s.gw.soapUrl,
      envelope('<cs:authorizeRequest><cs:idTag>TAG-503</cs:idTag></cs:authorizeRequest>', { identity: 'CP-OUT' }),
    );
    assert.equal(decision.status, 503);
    assert.match(decision.text, /legacy central system unavailable/);
    const status = await post(
      s.gw.soapUrl,
      envelope(
        '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Available</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>',
        { identity: 'CP-OUT' },
      ),
    );
    assert.equal(status.status, 200, 'stored and answered');
    await s.legacy.start(port);
    await s.legacy.waitFor((r) => r.identity === 'CP-OUT' && r.operation === 'StatusNotification', 20_000);
  });
});

describe('route csms+shadow: the legacy system gets the copy, the CSMS is in charge', () => {
  let s: Site;
  let charger: SoapCharger;
  before(async () => {
    s = await site('embedded', {
      route: 'csms+shadow',
      chargers: { 'CP-CS': {}, 'CP-ALLOW': { shadowCommands: 'allow' } },
      admission: 'allowlist',
    });
    charger = await SoapCharger.create(s.gw.soapUrl, 'CP-CS', s.cp.url);
  });
  after(async () => {
    await closeSite(s);
    assert.deepEqual(s.csms.schemaFailures, []);
  });

  it("the charger has the CSMS's answers; the legacy system sees the session under its own id and is compared", async () => {
    s.legacy.handlers.Authorize = () => ({ idTagInfo: { status: 'Blocked' } });
    await charger.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const { result } = await charger.call<{ idTagInfo: { status: string } }>('Authorize', { idTag: 'TAG-1' });
    assert.equal(result.idTagInfo.status, 'Accepted');
    const tx = (await charger.call<{ transactionId: number }>('StartTransaction', start())).result.transactionId;
    assert.equal(tx, 1001);
    await charger.call('StopTransaction', stop(tx));
    const legacyStop = await s.legacy.waitFor((r) => r.identity === 'CP-CS' && r.operation === 'StopTransaction');
    assert.ok((legacyStop.request.transactionId as number) >= 5000, "the legacy system's own id");
    await until(
      async () => (await admin(s, 'GET', '/api/chargers/CP-CS/divergences')).json.divergences.length > 0,
      'the divergence',
    );
    const [d] = (await admin(s, 'GET', '/api/chargers/CP-CS/divergences')).json.divergences;
    assert.deepEqual(
      [d.operation, d.kind, d.primary.system, d.shadow.system],
      ['Authorize', 'decision', 'csms', 'legacy'],
    );
  });

  it("the legacy system's commands are refused (read-only shadow) unless the charger allows them", async () => {
    await assert.rejects(s.legacy.callCharger('CP-CS', 'Reset', { type: 'Soft' }), /SecurityError.*read-only shadow/);
    const allowed = await SoapCharger.create(s.gw.soapUrl, 'CP-ALLOW', s.cp.url);
    await allowed.call('Heartbeat', {});
    await s.legacy.waitFor((r) => r.identity === 'CP-ALLOW');
    assert.deepEqual(await s.legacy.callCharger('CP-ALLOW', 'Reset', { type: 'Soft' }), { status: 'Accepted' });
  });

  it('a legacy Fault to a copy is an error divergence', async () => {
    s.legacy.handlers.DataTransfer = () => {
      throw legacyFault('Receiver', 'InternalError', 'not today');
    };
    await charger.call('DataTransfer', { vendorId: 'V', messageId: 'x', data: 'y' });
    await until(
      async () =>
        (await admin(s, 'GET', '/api/chargers/CP-CS/divergences')).json.divergences.some(
          (d: { kind: string }) => d.kind === 'error',
        ),
      'the error divergence',
    );
  });
});
