import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/fleet-api/credentials.js';
import { derivedStationNumber } from '../../src/fleet-api/stations.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { FleetApiClient, list } from '../helpers/fleet-api-client.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { SoapCharger } from '../helpers/soap-charger.js';
import { until } from '../helpers/wait.js';

/**
 * The ChargePoint Web Services API over a fleet of simulated OCPP 1.5 chargers: WSDL-built node-soap clients call
 * every served method, and the answers are checked against what the chargers did (docs/chargepoint-api.md).
 */

const ALL = { key: 'KEY-ALL-000001', password: 'all-secret' };
const GARAGE = { key: 'KEY-GARAGE-0001', password: 'garage-secret' };
const CALLBACK = 'http://10.20.30.40:8080/ChargePointService';

const fleetApi = {
  keys: [
    { key: ALL.key, passwordHash: hashPassword(ALL.password, '00112233445566778899'), groups: [1, 2] },
    {
      key: GARAGE.key,
      passwordHash: hashPassword(GARAGE.password, 'a1a2a3a4a5a6a7a8'),
      groups: [1],
      showIdTags: true,
    },
  ],
  groups: [
    { id: 1, name: 'Garage', chargers: ['FA-1', 'FA-2'] },
    { id: 2, name: 'Depot', chargers: ['FA-3'] },
  ],
  orgName: 'Campus Facilities',
  authFailuresPerMinute: 3,
};
const chargers = {
  'FA-1': { station: { stationNumber: 34003, name: 'Garage 1', city: 'Campbell', lat: 37.26, long: -121.95 } },
};

describe('fleet API: ChargePoint Web Services over the bridged fleet', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  let v5: FleetApiClient;
  let v41: FleetApiClient;
  let garage: FleetApiClient;
  const fa3 = `1:${derivedStationNumber('FA-3')}`;

  before(async () => {
    csms = await new TestCsms().start();
    csms.handlers.StartTransaction = () => ({ transactionId: 77, idTagInfo: { status: 'Accepted' } });
    gw = await startGateway('embedded', csms.url, { callbackPolicy: 'any', fleetApi, chargers });
    const fa1 = await SoapCharger.create(gw.soapUrl, 'FA-1', CALLBACK);
    const fa2 = await SoapCharger.create(gw.soapUrl, 'FA-2', CALLBACK);
    // FA-3 gives no callback address: the gateway cannot reach it, the API says UNREACHABLE.
    const fa3c = await SoapCharger.create(gw.soapUrl, 'FA-3');
    const boot = (serial: string) => ({
      chargePointVendor: 'VendorX',
      chargePointModel: 'Model-7',
      chargePointSerialNumber: serial,
    });
    await fa1.call('BootNotification', boot('SN-1'));
    await fa2.call('BootNotification', boot('SN-2'));
    await fa3c.call('BootNotification', boot('SN-3'));
    await fa1.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    await fa1.call('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError' });
    await fa2.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    await fa3c.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    // A session on FA-1 port 1: 12:01 -> 12:40, 1000 Wh -> 7500 Wh, power reported.
    await fa1.call('StartTransaction', {
      connectorId: 1,
      idTag: 'RFID-1',
      timestamp: '2024-05-01T12:01:00Z',
      meterStart: 1000,
    });
    const meter = (at: string, wh: number, w: number) => ({
      connectorId: 1,
      transactionId: 77,
      values: [
        {
          timestamp: at,
          value: [
            { attributes: { unit: 'Wh', measurand: 'Energy.Active.Import.Register' }, $value: String(wh) },
            { attributes: { unit: 'W', measurand: 'Power.Active.Import' }, $value: String(w) },
          ],
        },
      ],
    });
    await fa1.call('MeterValues', meter('2024-05-01T12:10:00Z', 2000, 7000));
    await fa1.call('MeterValues', meter('2024-05-01T12:14:00Z', 2400, 7200));
    await fa1.call('MeterValues', meter('2024-05-01T12:29:00Z', 5000, 6800));
    // FA-2 faults.
    await fa2.call('StatusNotification', {
      connectorId: 1,
      status: 'Faulted',
      errorCode: 'GroundFailure',
      timestamp: '2024-05-01T12:20:00Z',
    });
    v5 = await FleetApiClient.create(gw.baseUrl, '5.0', ALL.key, ALL.password);
    v41 = await FleetApiClient.create(gw.baseUrl, '4.1', ALL.key, ALL.password);
    garage = await FleetApiClient.create(gw.baseUrl, '5.1', GARAGE.key, GARAGE.password);
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
    assert.deepEqual(csms.schemaFailures, []);
  });

  it('serves its own WSDLs, soap:address at the gateway, on the file path and ?wsdl', async () => {
    for (const path of ['/cp_api_5.1.wsdl', '/webservices/chargepoint/services/4.1?wsdl']) {
      const res = await fetch(`${gw.baseUrl}${path}`);
      assert.equal(res.status, 200);
      const text = await res.text();
      const version = path.includes('4.1') ? '4.1' : '5.1';
      assert.ok(
        text.includes(`location="${gw.baseUrl}/webservices/chargepoint/services/${version}"`),
        text.slice(0, 200),
      );
      assert.ok(text.includes('soapAction="urn:provider/interface/chargepointservices/getStations"'));
    }
  });

  it('getStations: BootNotification, connectors, configuration; configured and derived numeric ids', async () => {
    const { result, raw } = await v5.call('getStations', { searchQuery: {} });
    assert.match(raw, /<soapenv:Envelope/);
    assert.match(raw, /<ns1:getStationsResponse xmlns:ns1="urn:dictionary:com.chargepoint.webservices">/);
    assert.match(raw, /<responseText>API input request executed successfully.<\/responseText>/);
    assert.equal(result.responseCode, '100');
    const stations = list(result.stationData);
    assert.deepEqual(
      stations.map((s) => s.stationID).sort(),
      ['1:34003', `1:${derivedStationNumber('FA-2')}`, fa3].sort(),
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
    const unreachable = stations.find((s) => s.stationID === fa3)!;
    assert.deepEqual(
      list(unreachable.Port).map((p) => p.Status),
      ['UNREACHABLE'],
    );
  });

  it('getStationStatus (5.x), getPublicStationStatus, getPublicStations: status per port, filters', async () => {
    const status = await v5.call('getStationStatus', { searchQuery: { stationID: '1:34003' } });
    const [one] = list(status.result.stationData);
    assert.equal(one!.stationID, '1:34003');
    assert.deepEqual(
      list(one!.Port).map((p) => p.Status),
      ['INUSE', 'AVAILABLE'],
    );
    assert.equal(Number(status.result.moreFlag), 0);
    const pub = await v41.call('getPublicStationStatus', { searchQuery: { stationModel: 'Model-7' } });
    assert.equal(list(pub.result.stationStatusData).length, 3);
    const faulted = await v5.call('getStationStatus', {
      searchQuery: { stationID: `1:${derivedStationNumber('FA-2')}` },
    });
    assert.deepEqual(
      list(list(faulted.result.stationData)[0]!.Port).map((p) => p.Status),
      ['UNKNOWN'],
    );
    const none = await v5.call('getPublicStations', { searchQuery: { stationManufacturer: 'Nobody' } });
    assert.equal(none.result.responseCode, '102');
  });

  it('groups, org, rights and the CPN from configuration, in the path version shape', async () => {
    const groups = await v5.call('getStationGroups', {});
    assert.deepEqual(
      list(groups.result.groupData).map((g) => [Number(g.sgID), g.sgName, list(g.stationData).length]),
      [
        [1, 'Garage', 2],
        [2, 'Depot', 1],
      ],
    );
    const details = await v5.call('getStationGroupDetails', { sgID: '2' });
    assert.equal(details.result.groupName, 'Depot');
    assert.deepEqual(
      list(details.result.stationData).map((s) => s.stationID),
      [fa3],
    );
    const orgs5 = await v5.call('getOrgsAndStationGroups', { searchQuery: {} });
    assert.equal(list(orgs5.result.orgData)[0]!.organizationName, 'Campus Facilities');
    const orgs41 = await v41.call('getOrgsAndStationGroups', {});
    assert.match(orgs41.raw, /<orgAndSgData><orgData><orgID>1:ORG00001<\/orgID><orgName>Campus Facilities<\/orgName>/);
    const rights = await v5.call('getStationRights', { searchQuery: {} });
    assert.deepEqual(
      list(rights.result.rightsData).map((r) => r.stationRightsProfile),
      ['network_manager', 'network_manager'],
    );
    const profile = await v5.call('getStationRightsProfile', { sgID: '1' });
    assert.ok(list(profile.result.taskList).length >= 1);
    const cpn = await v5.call('getCPNInstances');
    assert.equal(Number((list(cpn.result.CPN)[0] as { cpnID: unknown }).cpnID), 1);
    assert.doesNotMatch(cpn.raw, /responseCode/);
  });

  it('getLoad: the latest Power.Active.Import of the open transaction, per port on 5.x', async () => {
    const load = await v5.call('getLoad', { searchQuery: { sgID: '1' } });
    assert.equal(Number(load.result.sgLoad), 6.8);
    const fa1 = list(load.result.stationData).find((s) => s.stationID === '1:34003')!;
    assert.deepEqual(
      list(fa1.Port).map((p) => [Number(p.portNumber), Number(p.portLoad)]),
      [
        [1, 6.8],
        [2, 0],
      ],
    );
    const load41 = await v41.call('getLoad', { sgID: '1' });
    assert.match(
      load41.raw,
      /<stationID>1:34003<\/stationID><stationName>Garage 1<\/stationName><shedState>0<\/shedState><stationLoad>6.8<\/stationLoad>/,
    );
  });

  it('sessions: a closed transaction, energy from the meter, 15-minute buckets, paging fields', async () => {
    const empty = await v5.call('getChargingSessionData', { searchQuery: { stationID: '1:34003' } });
    assert.equal(empty.result.responseCode, '136');
    const fa1 = await SoapCharger.create(gw.soapUrl, 'FA-1', CALLBACK);
    await fa1.call('StopTransaction', {
      transactionId: 77,
      idTag: 'RFID-1',
      timestamp: '2024-05-01T12:40:00Z',
      meterStop: 7500,
    });
    let sessions: Record<string, unknown>[] = [];
    await until(async () => {
      const r = await v5.call('getChargingSessionData', { searchQuery: { stationID: '1:34003' } });
      sessions = list(r.result.ChargingSessionData);
      return r.result.responseCode === '100';
    }, 'the session in the API');
    const [s] = sessions;
    assert.equal(Number(s!.Energy), 6.5);
    assert.equal(Number(s!.portNumber), 1);
    assert.equal(s!.stationName, 'Garage 1');
    assert.equal(Number(s!.recordNumber), 1);
    assert.equal(s!.credentialID, undefined, 'idTags are private unless the key may see them');
    const mine = await garage.call('getChargingSessionData', { searchQuery: {} });
    assert.equal(list(mine.result.ChargingSessionData)[0]!.credentialID, 'RFID-1');
    const v41Sessions = await v41.call('getChargingSessionData', { searchQuery: { startRecord: 1 } });
    assert.match(
      v41Sessions.raw,
      /<ChargingSessionsData>.*<sessionID>\d+<\/sessionID><Energy>6.5<\/Energy><startTime>2024-05-01T12:01:00Z<\/startTime><endTime>2024-05-01T12:40:00Z<\/endTime><recordNumber>1<\/recordNumber><\/ChargingSessionsData><MoreFlag>0<\/MoreFlag>/,
    );
    const later = await v5.call('getChargingSessionData', { searchQuery: { startRecord: 2 } });
    assert.equal(later.result.responseCode, '136');
    const quarter = await v5.call('get15minChargingSessionData', { sessionID: String(s!.sessionID) });
    assert.deepEqual(
      list(quarter.result.fifteenminData).map((q) => [
        Number(q.energyConsumed),
        q.peakPower === undefined ? undefined : Number(q.peakPower),
      ]),
      [
        [1.4, 7.2],
        [4, 6.8],
        [6.5, undefined],
      ],
    );
  });

  it('alarms: a fault is an alarm; clearing is gateway-side and says so', async () => {
    const alarms = await v5.call('getAlarms', { searchQuery: {} });
    const [a] = list(alarms.result.Alarms);
    assert.equal(a!.stationID, `1:${derivedStationNumber('FA-2')}`);
    assert.equal(a!.alarmType, 'GroundFailure');
    assert.equal(Number(a!.portNumber), 1);
    assert.equal(a!.stationSerialNum, 'SN-2');
    const alarms41 = await v41.call('getAlarms', {});
    assert.match(alarms41.raw, /<Alarms><StationID>1:\d+<\/StationID>.*<stationModelNum>Model-7<\/stationModelNum>/);
    const cleared = await garage.call('clearAlarms', { searchQuery: { alarmType: 'GroundFailure' } });
    assert.equal(cleared.result.responseCode, '100');
    assert.match(String(cleared.result.responseText), /gateway only/);
    // What is left: FA-3, which gave no callback address, is unreachable as long as that lasts; clearing cannot end it.
    const left = list((await v5.call('getAlarms', { searchQuery: {} })).result.Alarms);
    assert.deepEqual(
      left.map((x) => [x.stationID, x.alarmType, x.portNumber]),
      [[fa3, 'Unreachable', undefined]],
    );
    assert.equal((await v5.call('clearAlarms', { searchQuery: { stationID: fa3 } })).result.responseCode, '153');
  });

  it('commands OCPP cannot back here answer the guide codes, never a silent success', async () => {
    const shed = await v5.call('shedLoad', {
      shedQuery: { shedStation: { stationID: '1:34003', allowedLoadPerStation: 3 }, timeInterval: 10 },
    });
    assert.deepEqual([shed.result.responseCode, Number(shed.result.Success)], ['176', 0]);
    const group = await v41.call('shedLoad', {
      sgData: { sgID: 1 },
      sgLoadData: { allowedLoad: 2.5 },
      timeInterval: 240,
    });
    assert.equal(group.result.responseCode, '175');
    assert.equal(
      (await v5.call('clearShedState', { shedQuery: { shedGroup: { sgID: 1 } } })).result.responseCode,
      '100',
    );
    assert.equal(
      (
        await v41.call('confirmReservation', {
          serialNumber: 'RFID-1',
          stationID: '1:34003',
          startTime: new Date().toISOString(),
          Duration: 30,
          portNumber: 1,
        })
      ).result.responseCode,
      '128',
    );
    assert.equal((await v41.call('getReservationDetails', { reservationHandle: '5' })).result.responseCode, '148');
    for (const op of ['getChargePointCards', 'priceReservation', 'registerFeeds', 'getUsers']) {
      const r = await v41.call(op, {});
      assert.deepEqual([r.result.responseCode, r.result.responseText], ['101', 'not supported by this gateway'], op);
    }
  });

  it('a key sees only the stations of its groups', async () => {
    const { result } = await garage.call('getStations', { searchQuery: {} });
    assert.equal(list(result.stationData).length, 2);
    const other = await garage.call('getStationStatus', { searchQuery: { stationID: fa3 } });
    assert.equal(other.result.responseCode, '102');
    assert.equal((await garage.call('getLoad', { searchQuery: { sgID: '2' } })).result.responseCode, '120');
    assert.equal((await garage.call('getStationGroupDetails', { sgID: '2' })).result.responseCode, '120');
  });

  it('bad input: guide codes for fields, SOAP Faults for what is no API call, bounded bodies', async () => {
    const codes = async (op: string, args: object) => (await v5.call(op, args)).result.responseCode;
    assert.equal(await codes('get15minChargingSessionData', {}), '172');
    assert.equal(await codes('get15minChargingSessionData', { sessionID: '12' }), '132');
    assert.equal(await codes('getStations', { searchQuery: { stationID: 'CP-1' } }), '152');
    assert.equal(await codes('getStationStatus', { searchQuery: { startRecord: 0 } }), '171');
    assert.equal(
      await codes('getChargingSessionData', {
        searchQuery: { fromTimeStamp: '2024-05-02T00:00:00Z', toTimeStamp: '2024-05-01T00:00:00Z' },
      }),
      '142',
    );
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${gw.baseUrl}/webservices/chargepoint/services/5.0`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml', ...headers },
        body,
      });
    const notXml = await post('<soapenv:Envelope');
    assert.equal(notXml.status, 500);
    assert.match(await notXml.text(), /<faultcode>soapenv:Client<\/faultcode>/);
    const entity = await post('<!DOCTYPE x [<!ENTITY a "b">]><Envelope/>');
    assert.equal(entity.status, 500);
    const big = await post(`<Envelope>${'x'.repeat(70 * 1024)}</Envelope>`);
    assert.equal(big.status, 413);
    const unknown = await post(envelope('dropTables', '', ALL));
    assert.match(await unknown.text(), /unknown operation dropTables/);
  });

  it('the guide sample inputs as printed: urn prefix, misspelt namespace, 4.1 direct children', async () => {
    const post41 = async (op: string, body: string) => {
      const res = await fetch(`${gw.baseUrl}/webservices/chargepoint/services/4.1`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml' },
        body: envelope(op, body, ALL),
      });
      return res.text();
    };
    assert.match(
      await post41(
        'getChargingSessionData',
        '<searchQuery><stationID>1:34003</stationID><startRecord>1</startRecord></searchQuery>',
      ),
      /<ChargingSessionsData><stationID>1:34003<\/stationID>/,
    );
    assert.match(await post41('getStationGroups', '<orgID></orgID>'), /<responseCode>100<\/responseCode>/);
    assert.match(
      await post41('clearShedState', '<sgID>1</sgID><stationID>1:34003</stationID>'),
      /<Success>1<\/Success>/,
    );
  });

  it('authentication: faults by local name, throttled per key and address without locking out other keys', async () => {
    const anonymous = await FleetApiClient.create(gw.baseUrl, '5.0');
    assert.equal(await anonymous.faultOf('getStations', { searchQuery: {} }), 'wsse:InvalidSecurity');
    const wrong = await FleetApiClient.create(gw.baseUrl, '5.0', GARAGE.key, 'guess');
    for (let i = 0; i < 3; i++)
      assert.equal(await wrong.faultOf('getStations', { searchQuery: {} }), 'wsse:FailedAuthentication');
    // Throttled now: even the right password from this address waits; the other key is untouched.
    const right = await FleetApiClient.create(gw.baseUrl, '5.0', GARAGE.key, GARAGE.password);
    assert.equal(await right.faultOf('getStations', { searchQuery: {} }), 'wsse:FailedAuthentication');
    assert.equal((await v5.call('getStations', { searchQuery: {} })).result.responseCode, '100');
  });

  it('is off while no API key is configured', async () => {
    const plain = await startGateway('embedded', csms.url, { store: 'memory' });
    try {
      const res = await fetch(`${plain.baseUrl}/webservices/chargepoint/services/5.0?wsdl`);
      assert.equal(res.status, 404);
      await res.text();
    } finally {
      await plain.stop();
    }
  });
});

/** A raw request envelope as the guide prints them: urn prefix on the operation, the §3.3 Security header. */
function envelope(operation: string, body: string, key: { key: string; password: string }): string {
  return `<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:dictionary.com.chargepoint.webservices">
<SOAP-ENV:Header xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:Security SOAP-ENV:mustUnderstand="1"><wsse:UsernameToken><wsse:Username>${key.key}</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">${key.password}</wsse:Password></wsse:UsernameToken></wsse:Security></SOAP-ENV:Header>
<SOAP-ENV:Body><urn:${operation}>${body}</urn:${operation}></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}
