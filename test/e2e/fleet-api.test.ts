import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { derivedStationNumber } from '../../src/fleet-api/stations.js';
import { list } from '../helpers/fleet-api-client.js';
import { bridgedFleet } from '../helpers/fleet-api-site.js';

/**
 * The ChargePoint Web Services API over a fleet of simulated OCPP 1.5 chargers: WSDL-built node-soap clients call
 * every served method, and the answers are checked against what the chargers did (docs/fleet-api.md).
 * Here: the WSDLs, stations, their status, groups, load and alarms, and what one key sees.
 */

describe('fleet API: ChargePoint Web Services over the bridged fleet', () => {
  const site = bridgedFleet();

  it('serves its own WSDLs, soap:address at the gateway, on the file path and ?wsdl', async () => {
    for (const path of ['/cp_api_5.1.wsdl', '/webservices/chargepoint/services/4.1?wsdl']) {
      const res = await fetch(`${site.gw.baseUrl}${path}`);
      assert.equal(res.status, 200);
      const text = await res.text();
      const version = path.includes('4.1') ? '4.1' : '5.1';
      assert.ok(
        text.includes(`location="${site.gw.baseUrl}/webservices/chargepoint/services/${version}"`),
        text.slice(0, 200),
      );
      assert.ok(text.includes('soapAction="urn:provider/interface/chargepointservices/getStations"'));
    }
  });

  it('getStations: BootNotification, connectors, configuration; configured and derived numeric ids', async () => {
    const { result, raw } = await site.v5.call('getStations', { searchQuery: {} });
    assert.match(raw, /<soapenv:Envelope/);
    assert.match(raw, /<ns1:getStationsResponse xmlns:ns1="urn:dictionary:com.chargepoint.webservices">/);
    assert.match(raw, /<responseText>API input request executed successfully.<\/responseText>/);
    assert.equal(result.responseCode, '100');
    const stations = list(result.stationData);
    assert.deepEqual(
      stations.map((s) => s.stationID).sort(),
      ['1:34003', `1:${derivedStationNumber('FA-2')}`, site.fa3].sort(),
    );
    const fa1 = stations.find((s) => s.stationID === '1:34003')!;
    assert.equal(fa1.stationManufacturer, 'VendorX');
    assert.equal(fa1.stationModel, 'Model-7');
    assert.equal(fa1.stationSerialNum, 'SN-1');
    assert.equal(fa1.City, 'Campbell');
    assert.equal(fa1.orgID, '1:ORG00001');
    assert.equal(fa1.organizationName, 'Campus Facilities');
    assert.equal(fa1.sgName, 'Garage');
    const ports = list(fa1.Port);
    assert.deepEqual(
      ports.map((p) => [Number(p.portNumber), p.Status, p.stationName]),
      [
        [1, 'INUSE', 'Garage 1'],
        [2, 'AVAILABLE', 'Garage 1'],
      ],
    );
    assert.deepEqual(ports[0]!.Geo, { Lat: 37.26, Long: -121.95 });
    // Nothing invented: no MAC, no address, no pricing.
    assert.doesNotMatch(raw, /stationMacAddr|Pricing|<Address>/);
    const unreachable = stations.find((s) => s.stationID === site.fa3)!;
    assert.deepEqual(
      list(unreachable.Port).map((p) => p.Status),
      ['UNREACHABLE'],
    );
  });

  it('getStationStatus (5.x), getPublicStationStatus, getPublicStations: status per port, filters', async () => {
    const status = await site.v5.call('getStationStatus', { searchQuery: { stationID: '1:34003' } });
    const [one] = list(status.result.stationData);
    assert.equal(one!.stationID, '1:34003');
    assert.deepEqual(
      list(one!.Port).map((p) => p.Status),
      ['INUSE', 'AVAILABLE'],
    );
    assert.equal(Number(status.result.moreFlag), 0);
    const pub = await site.v41.call('getPublicStationStatus', { searchQuery: { stationModel: 'Model-7' } });
    assert.equal(list(pub.result.stationStatusData).length, 3);
    const faulted = await site.v5.call('getStationStatus', {
      searchQuery: { stationID: `1:${derivedStationNumber('FA-2')}` },
    });
    assert.deepEqual(
      list(list(faulted.result.stationData)[0]!.Port).map((p) => p.Status),
      ['UNKNOWN'],
    );
    const none = await site.v5.call('getPublicStations', { searchQuery: { stationManufacturer: 'Nobody' } });
    assert.equal(none.result.responseCode, '102');
  });

  it('groups, org, rights and the CPN from configuration, in the path version shape', async () => {
    const groups = await site.v5.call('getStationGroups', {});
    assert.deepEqual(
      list(groups.result.groupData).map((g) => [Number(g.sgID), g.sgName, list(g.stationData).length]),
      [
        [1, 'Garage', 2],
        [2, 'Depot', 1],
      ],
    );
    const details = await site.v5.call('getStationGroupDetails', { sgID: '2' });
    assert.equal(details.result.groupName, 'Depot');
    assert.deepEqual(
      list(details.result.stationData).map((s) => s.stationID),
      [site.fa3],
    );
    const orgs5 = await site.v5.call('getOrgsAndStationGroups', { searchQuery: {} });
    assert.equal(list(orgs5.result.orgData)[0]!.organizationName, 'Campus Facilities');
    const orgs41 = await site.v41.call('getOrgsAndStationGroups', {});
    assert.match(orgs41.raw, /<orgAndSgData><orgData><orgID>1:ORG00001<\/orgID><orgName>Campus Facilities<\/orgName>/);
    const rights = await site.v5.call('getStationRights', { searchQuery: {} });
    assert.deepEqual(
      list(rights.result.rightsData).map((r) => r.stationRightsProfile),
      ['network_manager', 'network_manager'],
    );
    const profile = await site.v5.call('getStationRightsProfile', { sgID: '1' });
    assert.ok(list(profile.result.taskList).length >= 1);
    const cpn = await site.v5.call('getCPNInstances');
    assert.equal(Number((list(cpn.result.CPN)[0] as { cpnID: unknown }).cpnID), 1);
    assert.doesNotMatch(cpn.raw, /responseCode/);
  });

  it('getLoad: the latest Power.Active.Import of the open transaction, per port on 5.x', async () => {
    const load = await site.v5.call('getLoad', { searchQuery: { sgID: '1' } });
    assert.equal(Number(load.result.sgLoad), 6.8);
    const fa1 = list(load.result.stationData).find((s) => s.stationID === '1:34003')!;
    assert.deepEqual(
      list(fa1.Port).map((p) => [Number(p.portNumber), Number(p.portLoad)]),
      [
        [1, 6.8],
        [2, 0],
      ],
    );
    const load41 = await site.v41.call('getLoad', { sgID: '1' });
    assert.match(
      load41.raw,
      /<stationID>1:34003<\/stationID><stationName>Garage 1<\/stationName><shedState>0<\/shedState><stationLoad>6.8<\/stationLoad>/,
    );
  });

  it('alarms: a fault is an alarm; clearing is gateway-side and says so', async () => {
    const alarms = await site.v5.call('getAlarms', { searchQuery: {} });
    const [a] = list(alarms.result.Alarms);
    assert.equal(a!.stationID, `1:${derivedStationNumber('FA-2')}`);
    assert.equal(a!.alarmType, 'GroundFailure');
    assert.equal(Number(a!.portNumber), 1);
    assert.equal(a!.stationSerialNum, 'SN-2');
    const alarms41 = await site.v41.call('getAlarms', {});
    assert.match(alarms41.raw, /<Alarms><StationID>1:\d+<\/StationID>.*<stationModelNum>Model-7<\/stationModelNum>/);
    const cleared = await site.garage.call('clearAlarms', { searchQuery: { alarmType: 'GroundFailure' } });
    assert.equal(cleared.result.responseCode, '100');
    assert.match(String(cleared.result.responseText), /gateway only/);
    // What is left: FA-3, which gave no callback address, is unreachable as long as that lasts; clearing cannot end it.
    const left = list((await site.v5.call('getAlarms', { searchQuery: {} })).result.Alarms);
    assert.deepEqual(
      left.map((x) => [x.stationID, x.alarmType, x.portNumber]),
      [[site.fa3, 'Unreachable', undefined]],
    );
    assert.equal(
      (await site.v5.call('clearAlarms', { searchQuery: { stationID: site.fa3 } })).result.responseCode,
      '153',
    );
  });

  it('a key sees only the stations of its groups', async () => {
    const { result } = await site.garage.call('getStations', { searchQuery: {} });
    assert.equal(list(result.stationData).length, 2);
    const other = await site.garage.call('getStationStatus', { searchQuery: { stationID: site.fa3 } });
    assert.equal(other.result.responseCode, '102');
    assert.equal((await site.garage.call('getLoad', { searchQuery: { sgID: '2' } })).result.responseCode, '120');
    assert.equal((await site.garage.call('getStationGroupDetails', { sgID: '2' })).result.responseCode, '120');
  });
});
