import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseXml, type XmlElement } from '../../src/soap/xml.js';
import { bootAvailable, type FleetApiSite, startFleetApiSite } from '../helpers/fleet-api-site.js';
import type { RunningGateway } from '../helpers/gateway-harness.js';

/**
 * The guide's own sample inputs (test/fixtures/fleet-api-guide, extracted from the guide's text by
 * scripts/extract-guide-samples.mjs), posted as printed with only the placeholder credentials replaced. Each
 * well-formed one is answered in its method's response element with a code the guide gives for that request against
 * this fleet; the ones that are not well-formed XML as printed get a Client Fault naming the parse error
 * (docs/fleet-api.md#what-is-accepted).
 */

const FIXTURES = new URL('../fixtures/fleet-api-guide/', import.meta.url);
const KEY = { key: 'KEY-SAMPLE-0001', password: 'sample' };

/** Not well-formed as printed: a space inside a tag name, an undeclared prefix, an unclosed element. */
const MALFORMED = ['clearAlarms', 'confirmReservation', 'getStationGroupDetails', 'priceReservation'];

/**
 * The code each sample gets against this fleet (one charger, group 3), and why: the samples name stations, groups and
 * sessions of the guide's network, or leave mandatory fields empty. undefined: getCPNInstances answers without a code.
 */
const CODES: Record<string, string | undefined> = {
  cancelReservation: '172', // reservationHandle empty
  cancelReservationHold: '101', // not served
  clearShedState: '119', // the sample's station is not in this fleet
  get15minChargingSessionData: '132', // the sample's session is unknown
  getAlarms: '153', // no alarm matches
  getCPNInstances: undefined,
  getChargePointCards: '101',
  getChargingSessionData: '136', // no session matches
  getDriverReservations: '172', // serialNumber empty
  getLoad: '120', // group 12121 is not granted to this key
  getOrgsAndStationGroups: '100',
  getPublicStationStatus: '100',
  getPublicStations: '100',
  getReservableStations: '102', // no reservable station near the sample's position
  getReservationDetail: '172', // reservationHandle empty
  getStationGroups: '100',
  getStationResOpenings: '101',
  getStationRights: '100',
  getStationRightsProfile: '100',
  getStations: '100',
  priceAndHoldReservation: '101',
  registerFeeds: '101',
  shedLoad: '120', // group not granted
  updateFeed: '101',
};

function withCredentials(text: string): string {
  return text
    .replace(/(<(?:\w+:)?Username>)[^<]*(<\/)/, `$1${KEY.key}$2`)
    .replace(/(<(?:\w+:)?Password\b[^>]*>)[^<]*(<\/)/, `$1${KEY.password}$2`);
}

function bodyChild(text: string): XmlElement {
  const envelope = parseXml(text);
  const body = envelope.children.find((c) => c.name === 'Body');
  assert.ok(body, text);
  return body.children[0]!;
}

function samplesFor(): { method: string; text: string }[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.input.xml'))
    .sort()
    .map((f) => ({ method: f.replace('.input.xml', ''), text: readFileSync(new URL(f, FIXTURES), 'utf8') }));
}

describe("fleet API: the guide's own sample inputs", () => {
  let site: FleetApiSite;
  let gw: RunningGateway;

  before(async () => {
    site = await startFleetApiSite(KEY, { id: 3, name: 'Samples' }, { 'GS-1': { station: { stationNumber: 4242 } } });
    gw = site.gw;
    await bootAvailable(gw.soapUrl, 'GS-1');
  });
  after(() => site.stop());

  it('has every sample the guide prints', () => {
    assert.equal(samplesFor().length, 28);
    assert.equal(samplesFor().length, MALFORMED.length + Object.keys(CODES).length);
  });

  for (const { method, text } of samplesFor()) {
    it(method, async () => {
      const res = await fetch(`${gw.baseUrl}/webservices/chargepoint/services/4.1`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml; charset=utf-8' },
        body: withCredentials(text),
      });
      const answer = await res.text();
      const child = bodyChild(answer);
      if (MALFORMED.includes(method)) {
        assert.equal(child.name, 'Fault', answer);
        assert.match(child.children.find((c) => c.name === 'faultcode')?.text ?? '', /Client$/);
        assert.match(child.children.find((c) => c.name === 'faultstring')?.text ?? '', /malformed XML at line \d+/);
        return;
      }
      assert.equal(res.status, 200, answer);
      assert.match(child.name, /Response$/, answer);
      assert.ok(method in CODES, `${method}: no expected code`);
      assert.equal(child.children.find((c) => c.name === 'responseCode')?.text, CODES[method], answer);
    });
  }
});
