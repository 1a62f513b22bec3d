import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/fleet-api/credentials.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { SoapCharger } from '../helpers/soap-charger.js';
import { until } from '../helpers/wait.js';

/**
 * The fleet API as a zeep-based tool (VOLTTRON, Home Assistant integrations) sees it: Python zeep loads the WSDL the
 * gateway serves and calls every served method; zeep refuses answers out of WSDL order or with undeclared elements.
 */

const SCRIPT = join(import.meta.dirname, '../helpers/zeep-fleet-client.py');
const KEY = { key: 'KEY-ZEEP-00001', password: 'zeep-secret' };

type Answer = Record<string, unknown> & { fault?: string; error?: string };

function zeep(wsdl: string, password: string, calls: [string, object][]): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [SCRIPT, wsdl, KEY.key, password]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Answer[]) : reject(new Error(err))));
    child.stdin.end(JSON.stringify(calls));
  });
}

describe('fleet API: a Python zeep client against simulated 1.5 chargers that boot, charge, fault and stop', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  const started = new Date(Date.now() - 20 * 60_000);
  const stopped = new Date(Date.now() - 60_000);

  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway('redis', csms.url, {
      callbackPolicy: 'any',
      fleetApi: {
        keys: [{ key: KEY.key, passwordHash: hashPassword(KEY.password, '0102030405060708'), groups: [7] }],
        groups: [{ id: 7, name: 'Lot 7', chargers: ['ZP-1', 'ZP-2'] }],
        orgId: 'ORG777',
        orgName: 'Lot operator',
      },
      chargers: { 'ZP-1': { station: { stationNumber: 41613, name: 'Lot 7 / A', lat: 37.2615, long: -121.9577 } } },
    });
    const one = await SoapCharger.create(gw.soapUrl, 'ZP-1', 'http://10.20.30.41:8080/ChargePointService');
    const two = await SoapCharger.create(gw.soapUrl, 'ZP-2', 'http://10.20.30.42:8080/ChargePointService');
    await one.call('BootNotification', {
      chargePointVendor: 'Acme',
      chargePointModel: 'AC-22',
      chargePointSerialNumber: 'A1',
    });
    await two.call('BootNotification', {
      chargePointVendor: 'Acme',
      chargePointModel: 'AC-11',
      chargePointSerialNumber: 'B2',
    });
    await one.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    await two.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    const { result } = await one.call<{ transactionId: number }>('StartTransaction', {
      connectorId: 1,
      idTag: 'TAG-9',
      timestamp: started.toISOString(),
      meterStart: 20_000,
    });
    await one.call('StopTransaction', {
      transactionId: result.transactionId,
      idTag: 'TAG-9',
      timestamp: stopped.toISOString(),
      meterStop: 31_250,
    });
    await two.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'HighTemperature' });
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
    assert.deepEqual(csms.schemaFailures, []);
  });

  it('every served method parses in zeep, fields as the chargers reported them', async () => {
    const wsdl = `${gw.baseUrl}/cp_api_5.1.wsdl`;
    const [stations, status, groups, details, orgs, rights, profile, cpn, load, alarms] = await zeep(
      wsdl,
      KEY.password,
      [
        ['getStations', { searchQuery: {} }],
        ['getStationStatus', { searchQuery: { stationID: '1:41613' } }],
        ['getStationGroups', {}],
        ['getStationGroupDetails', { sgID: '7' }],
        ['getOrgsAndStationGroups', { searchQuery: {} }],
        ['getStationRights', { searchQuery: {} }],
        ['getStationRightsProfile', { sgID: '7' }],
        ['getCPNInstances', {}],
        ['getLoad', { searchQuery: { sgID: '7' } }],
        ['getAlarms', { searchQuery: {} }],
      ],
    );
    const byId = (list: unknown) => (list as Answer[]).find((s) => s.stationID === '1:41613')!;
    const a = byId(stations!.stationData);
    assert.deepEqual(
      [a.stationManufacturer, a.stationModel, a.stationSerialNum, a.orgID, a.organizationName, a.sgID, a.sgName],
      ['Acme', 'AC-22', 'A1', '1:ORG777', 'Lot operator', '7', 'Lot 7'],
    );
    const [port] = a.Port as Answer[];
    assert.deepEqual(
      [port!.portNumber, port!.Status, port!.stationName, port!.Geo],
      [1, 'AVAILABLE', 'Lot 7 / A', { Lat: 37.2615, Long: -121.9577 }],
    );
    assert.equal(((byId(status!.stationData).Port as Answer[])[0] as Answer).Status, 'AVAILABLE');
    assert.equal((groups!.groupData as Answer[])[0]!.sgName, 'Lot 7');
    assert.equal(details!.numStations, 2);
    assert.equal((orgs!.orgData as Answer[])[0]!.organizationName, 'Lot operator');
    assert.equal((rights!.rightsData as Answer[])[0]!.stationRightsProfile, 'network_manager');
    assert.ok((profile!.taskList as Answer[]).length > 0);
    assert.equal((cpn as unknown as Answer[])[0]!.cpnID, 1);
    assert.deepEqual([load!.responseCode, load!.sgLoad, load!.numStations], ['100', 0, 2]);
    const [alarm] = alarms!.Alarms as Answer[];
    assert.deepEqual([alarm!.alarmType, alarm!.stationModel, alarm!.portNumber], ['HighTemperature', 'AC-11', 1]);
  });

  it('sessions and their 15-minute data through zeep', async () => {
    const wsdl = `${gw.baseUrl}/cp_api_5.0.wsdl`;
    let sessions: Answer = {};
    await until(async () => {
      [sessions] = (await zeep(wsdl, KEY.password, [['getChargingSessionData', { searchQuery: {} }]])) as [Answer];
      return sessions.responseCode === '100';
    }, 'the session');
    const [s] = sessions.ChargingSessionData as Answer[];
    assert.deepEqual(
      [s!.stationID, s!.portNumber, s!.Energy, s!.recordNumber, sessions.MoreFlag],
      ['1:41613', 1, 11.25, 1, 0],
    );
    assert.equal(Date.parse(String(s!.startTime)), Math.floor(started.getTime() / 1000) * 1000);
    const [quarter] = await zeep(wsdl, KEY.password, [['get15minChargingSessionData', { sessionID: s!.sessionID }]]);
    const rows = quarter!.fifteenminData as Answer[];
    assert.equal(rows.at(-1)!.energyConsumed, 11.25, 'cumulative energy ends at the session total');
  });

  it('a wrong password is a Fault zeep reports as wsse:FailedAuthentication', async () => {
    const [answer] = await zeep(`${gw.baseUrl}/cp_api_5.0.wsdl`, 'wrong', [['getStations', { searchQuery: {} }]]);
    assert.deepEqual(answer, { fault: 'wsse:FailedAuthentication' });
  });
});
