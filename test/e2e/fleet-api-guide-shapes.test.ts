import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseXml } from '../../src/soap/xml.js';
import { bootAvailable, type FleetApiSite, startFleetApiSite } from '../helpers/fleet-api-site.js';
import type { RunningGateway } from '../helpers/gateway-harness.js';

/**
 * Every method in the request shapes the 4.1 guide prints (empty search fields, `urn:` and `ns1:` prefixes, the
 * misspelt `urn:dictionary.com...` namespace, the SOAP-ENV prefix, the Security header with mustUnderstand), posted
 * as raw envelopes: each is parsed and answered with a response code the guide gives for it, never a Fault.
 */

const KEY = { key: 'KEY-GUIDE-0001', password: 'guide' };

const empty = (...names: string[]) => names.map((n) => `<${n}></${n}>`).join('');
const STATION_SEARCH = `<searchQuery>${empty('stationManufacturer', 'stationModel', 'stationName', 'Address', 'City', 'State', 'Country', 'postalCode')}<Proximity>1</Proximity><proximityUnit>M</proximityUnit>${empty('Connector', 'Voltage', 'Current', 'Power')}<demoSerialNumber/>${empty('Reservable')}<Geo><Lat>37.26</Lat><Long>-121.95</Long></Geo><Pricing>${empty('startTime', 'Duration', 'energyRequired', 'vehiclePower')}</Pricing></searchQuery>`;
const ALARM_FIELDS = empty(
  'orgID',
  'orgName',
  'stationID',
  'stationName',
  'sgID',
  'sgName',
  'startTime',
  'endTime',
  'portNumber',
);

/** [operation, body as the guide shapes it, the codes the guide allows for it against this fleet]. */
const CASES: [string, string, string[]][] = [
  ['getCPNInstances', '', []],
  ['getPublicStations', STATION_SEARCH, ['100']],
  ['getPublicStationStatus', STATION_SEARCH, ['100']],
  [
    'getStations',
    `<searchQuery>${empty('stationManufacturer', 'serialNumber', 'Mode', 'usageCategory', 'orgID', 'sgID', 'sgName')}<Geo /></searchQuery>`,
    ['100'],
  ],
  ['getStationGroups', '<orgID></orgID>', ['100']],
  ['getStationGroupDetails', '<sgID>3</sgID><stationID></stationID>', ['100']],
  ['getOrgsAndStationGroups', empty('orgID', 'orgName', 'sgID', 'sgName'), ['100']],
  [
    'getStationRights',
    `<searchQuery>${empty('Name', 'Address', 'stationID', 'orgID', 'currentFault', 'networkStatus')}</searchQuery>`,
    ['100'],
  ],
  ['getStationRightsProfile', '<sgID>3</sgID>', ['100']],
  ['getLoad', '<sgID>3</sgID><stationID></stationID>', ['100']],
  [
    'shedLoad',
    '<sgData><sgID>3</sgID><stationID></stationID></sgData><sgLoadData><allowedLoad>2.5</allowedLoad><percentShed></percentShed></sgLoadData><timeInterval>240</timeInterval>',
    ['175'],
  ],
  ['clearShedState', '<sgID>3</sgID><stationID></stationID>', ['100']],
  [
    'getChargingSessionData',
    '<searchQuery><stationID>1:4242</stationID><startRecord>5</startRecord></searchQuery>',
    ['136'],
  ],
  ['get15minChargingSessionData', '<sessionID>11534253</sessionID>', ['132']],
  ['getAlarms', ALARM_FIELDS, ['153']],
  ['clearAlarms', `${ALARM_FIELDS}${empty('alarmType', 'clearReason')}`, ['153']],
  [
    'getReservableStations',
    '<searchQuery><Proximity>10</Proximity><proximityUnit>M</proximityUnit><Geo><Lat>47.55</Lat><Long>-120.68</Long></Geo></searchQuery>',
    ['102'],
  ],
  [
    'getReservationDetails',
    '<accountHandle>ab12</accountHandle><reservationHandle>45</reservationHandle><serialNumber>197683210</serialNumber>',
    ['148'],
  ],
  [
    'getDriverReservations',
    '<accountHandle>ab12</accountHandle><startTime></startTime><endTime></endTime><serialNumber>197683210</serialNumber>',
    ['148'],
  ],
  [
    'confirmReservation',
    '<accountHandle>ab12</accountHandle><serialNumber>197683210</serialNumber><stationID>1:4242</stationID><startTime>2011-03-31T12:13:45Z</startTime><Duration>45</Duration><portNumber>1</portNumber>',
    ['128'],
  ],
  [
    'cancelReservation',
    '<accountHandle>ab12</accountHandle><serialNumber>197683210</serialNumber><reservationHandle>9</reservationHandle>',
    ['148'],
  ],
  ['getChargePointCards', '<email>a@b.c</email><password>x</password>', ['101']],
  ['getStationResOpenings', '<stationID>1:4242</stationID>', ['101']],
  ['priceReservation', '<stationID>1:4242</stationID>', ['101']],
  ['priceAndHoldReservation', '<stationID>1:4242</stationID>', ['101']],
  ['cancelReservationHold', '<reservationHandle>1</reservationHandle>', ['101']],
  ['registerFeeds', '<Events><eventName>station_usage_status_change</eventName></Events>', ['101']],
  ['updateFeed', '<subscriberId>1</subscriberId>', ['101']],
];

function envelope(operation: string, body: string, prefix: string, ns: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:${prefix}="${ns}">
  <SOAP-ENV:Header xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
    <wsse:Security SOAP-ENV:mustUnderstand="1"><wsse:UsernameToken><wsse:Username>${KEY.key}</wsse:Username>
      <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">${KEY.password}</wsse:Password>
    </wsse:UsernameToken></wsse:Security>
  </SOAP-ENV:Header>
  <SOAP-ENV:Body><${prefix}:${operation}>${body}</${prefix}:${operation}></SOAP-ENV:Body>
</SOAP-ENV:Envelope>`;
}

describe("fleet API: every method in the guide's request shapes", () => {
  let site: FleetApiSite;
  let gw: RunningGateway;

  before(async () => {
    site = await startFleetApiSite(KEY, { id: 3, name: 'Guide' }, { 'GD-1': { station: { stationNumber: 4242 } } });
    gw = site.gw;
    await bootAvailable(gw.soapUrl, 'GD-1');
  });
  after(() => site.stop());

  for (const [operation, body, codes] of CASES) {
    it(operation, async () => {
      // The guide writes the operation with ns1, urn, and (three samples) a misspelt namespace: all three are read.
      for (const [prefix, ns] of [
        ['ns1', 'urn:dictionary:com.chargepoint.webservices'],
        ['urn', 'urn:dictionary.com.chargepoint.webservices'],
      ]) {
        const res = await fetch(`${gw.baseUrl}/webservices/chargepoint/services/4.1`, {
          method: 'POST',
          headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${operation}"` },
          body: envelope(operation, body, prefix!, ns!),
        });
        const text = await res.text();
        assert.equal(res.status, 200, text);
        const answer = parseXml(text).children[0]!.children[0]!;
        assert.equal(answer.name, `${operation}Response`);
        const code = answer.children.find((c) => c.name === 'responseCode')?.text;
        if (codes.length === 0) assert.equal(code, undefined);
        else assert.ok(codes.includes(code!), `${operation}: ${code} ${text}`);
      }
    });
  }
});
