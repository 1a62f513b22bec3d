import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium } from '../helpers/browser.js';
import { type FleetApiSite, startFleetApiSite } from '../helpers/fleet-api-site.js';
import type { RunningGateway } from '../helpers/gateway-harness.js';
import { SoapCharger } from '../helpers/soap-charger.js';
import { until } from '../helpers/wait.js';

/**
 * The fleet API's records on the admin port and the dashboard's "Sessions & alarms" page: two chargers each charge
 * and stop, one faults; the page shows the sessions with their energy and the alarm, newest first, and filters by
 * charger.
 */

const KEY = { key: 'KEY-DASH-000001', password: 'dashboard' };

interface Listing<T> {
  total: number;
  sessions?: T[];
  alarms?: T[];
}

async function charge(soapUrl: string, identity: string, hour: number, meterStop: number): Promise<SoapCharger> {
  const cp = await SoapCharger.create(soapUrl, identity, `http://10.20.30.70:8080/${identity}`);
  await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  const { result } = await cp.call<{ transactionId: number }>('StartTransaction', {
    connectorId: 1,
    idTag: 'TAG1',
    timestamp: `2024-05-01T${hour}:00:00Z`,
    meterStart: 0,
  });
  await cp.call('StopTransaction', {
    transactionId: result.transactionId,
    timestamp: `2024-05-01T${hour}:30:00Z`,
    meterStop,
  });
  return cp;
}

describe('fleet API records: admin API paging and the dashboard page', () => {
  let site: FleetApiSite;
  let gw: RunningGateway;

  before(async () => {
    site = await startFleetApiSite(KEY, { id: 1, name: 'All' }, { 'DASH-1': {}, 'DASH-2': {} });
    gw = site.gw;
    await charge(gw.soapUrl, 'DASH-1', 10, 7300);
    const second = await charge(gw.soapUrl, 'DASH-2', 12, 1500);
    await second.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure' });
    await until(async () => {
      const alarms = (await (await fetch(`${gw.adminUrl}/api/alarms`)).json()) as Listing<unknown>;
      return alarms.total === 1;
    }, 'the alarm recorded');
  });
  after(() => site.stop());

  it('?limit=N answers the newest N with the total; a limit that is not a number is a 400 naming it', async () => {
    const page = (await (await fetch(`${gw.adminUrl}/api/sessions?limit=1`)).json()) as Listing<{ identity: string }>;
    assert.equal(page.total, 2);
    assert.deepEqual(
      page.sessions?.map((s) => s.identity),
      ['DASH-2'],
    );
    const all = (await (await fetch(`${gw.adminUrl}/api/sessions`)).json()) as Listing<{ identity: string }>;
    assert.equal(all.sessions?.length, 2);
    const bad = await fetch(`${gw.adminUrl}/api/alarms?limit=ten`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /limit/);
  });

  it('dashboard in headless Chromium: sessions with their energy, the alarm, and the filter by charger', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${gw.adminUrl}/dashboard/#/records`);
      await page.waitForSelector('#sessions tr.session');
      const rows = await page.$$eval('#sessions tr.session', (trs) => trs.map((tr) => tr.textContent ?? ''));
      assert.equal(rows.length, 2);
      assert.match(rows[0]!, /DASH-2[\s\S]*1\.5 kWh/);
      assert.match(rows[1]!, /DASH-1[\s\S]*7\.3 kWh/);
      assert.match((await page.textContent('#alarms')) ?? '', /DASH-2[\s\S]*GroundFailure/);
      await page.fill('#r-identity', 'DASH-1');
      await page.dispatchEvent('#r-identity', 'change');
      await until(async () => (await page.$$('#sessions tr.session')).length === 1, 'the filtered table');
      assert.match((await page.textContent('#sessions')) ?? '', /DASH-1/);
      assert.ok(await page.waitForSelector('#alarms-none'));
      assert.match((await page.getAttribute('#sessions-csv', 'href')) ?? '', /format=csv&identity=DASH-1/);
    } finally {
      await browser.close();
    }
  });
});
