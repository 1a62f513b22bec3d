import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium } from '../helpers/browser.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { type RunningGateway, startGateway } from '../helpers/gateway-harness.js';
import { until } from '../helpers/wait.js';

const TOKEN = 'fleet-dashboard-token-0123456789';

describe('the dashboard settings pages in headless Chromium', () => {
  let csms: TestCsms;
  let gw: RunningGateway;

  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway('embedded', csms.url, {
      adminToken: TOKEN,
      admission: 'allowlist',
      chargers: { 'CP-FILE': { idTokenType: 'Central' } },
    });
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('adds a charger with the form, refuses a bad value naming it, lists and filters the fleet, retires', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${gw.adminUrl}/dashboard/?token=${TOKEN}`);
      await page.waitForSelector('#fleet');
      await page.click('a[href="#/settings"]');
      await page.waitForSelector('#settings-table tr.settings-row[data-id="CP-FILE"]');
      await page.fill('#s-new', 'CP-WEB');
      await page.click('#s-add button');
      await page.waitForSelector('#settings-form');
      assert.equal(await page.textContent('#settings-origin'), 'new');

      await page.fill('#set-timezone', '+01:00');
      await page.selectOption('#set-csmsProtocol', 'ocpp2.0.1');
      await page.fill('#set-soapPassword', 'web-secret-42');
      await page.check('#set-pinSource');
      await page.click('#settings-save');
      await page.locator('#settings-origin', { hasText: /^api$/ }).waitFor();
      const charger = gw.config.chargers['CP-WEB'];
      assert.equal(charger?.timezone, '+01:00');
      assert.equal(charger?.csmsProtocol, 'ocpp2.0.1');
      assert.equal(charger?.pinSource, true);
      assert.match(String(charger?.soapPassword), /^scrypt:/);
      // Write-only: the form never holds the password again.
      assert.equal(await page.inputValue('#set-soapPassword'), '');
      assert.equal(await page.getAttribute('#set-soapPassword', 'placeholder'), 'set: type to replace');
      await page.waitForSelector('#settings-audit tr.audit-row');
      assert.match((await page.textContent('#settings-audit')) ?? '', /create\s*session:[0-9a-f]{8}@127\.0\.0\.1/);
      assert.doesNotMatch((await page.content()) ?? '', /web-secret-42/);

      await page.fill('#set-sources', '10.0.0.0/99');
      await page.click('#settings-save');
      await page.locator('#settings-result', { hasText: 'sources:' }).waitFor();
      assert.equal(gw.config.chargers['CP-WEB']?.sources, undefined, 'nothing stored');

      await page.click('a[href="#/settings"]');
      await page.waitForSelector('#settings-table tr.settings-row[data-id="CP-WEB"]');
      assert.equal(await page.textContent('tr.settings-row[data-id="CP-FILE"] td.origin'), 'yaml');
      assert.equal(await page.textContent('tr.settings-row[data-id="CP-WEB"] td.origin'), 'api');
      await page.selectOption('#s-origin', 'yaml');
      await page.locator('tr.settings-row[data-id="CP-WEB"]').waitFor({ state: 'detached' });
      assert.equal(await page.locator('#settings-table tr.settings-row').count(), 1);

      await page.goto(`${gw.adminUrl}/dashboard/#/settings/CP-WEB`);
      await page.waitForSelector('#settings-retire');
      page.once('dialog', (dialog) => void dialog.accept('replaced by CP-WEB2'));
      await page.click('#settings-retire');
      await page.locator('#settings-title + p', { hasText: 'retired' }).waitFor();
      await until(() => gw.config.chargers['CP-WEB']?.allow === false, 'the retirement in effect');
    } finally {
      await browser.close();
    }
  });
});
