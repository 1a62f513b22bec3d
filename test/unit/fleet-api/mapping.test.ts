import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, ApiCredentials } from '../../../src/fleet-api/credentials.js';
import { quarterHours } from '../../../src/fleet-api/methods-usage.js';
import { FleetRecords, sessionIdOf } from '../../../src/fleet-api/records.js';
import { readApiRequest, RequestError } from '../../../src/fleet-api/request.js';
import { derivedStationNumber, isReachable, portStatusOf, stationOf } from '../../../src/fleet-api/stations.js';
import { envelopeXml, fieldsXml, faultXml } from '../../../src/fleet-api/wire.js';
import { wsdlXml } from '../../../src/fleet-api/wsdl.js';
import { attr, parseXml } from '../../../src/soap/xml.js';
import { fleetApiSchema } from '../../../src/config/fleet-api.js';

const T0 = Date.parse('2024-05-01T12:00:00Z');
const fleet = fleetApiSchema.parse({
  keys: [{ key: 'KEY-0000001', passwordHash: hashPassword('pw', '0011223344556677'), groups: [1] }],
  groups: [{ id: 1, name: 'G', chargers: ['CP-1'] }],
  authFailuresPerMinute: 2,
});

/** A MeterValues of CP-1 as the CSMS received it: one meter value of the given samples. */
function meter(
  r: FleetRecords,
  connectorId: number,
  transactionId: number,
  timestamp: string,
  sampledValue: Record<string, string>[],
): void {
  r.observe('CP-1', 'MeterValues', { connectorId, transactionId, meterValue: [{ timestamp, sampledValue }] }, {}, T0);
}

describe('fleet API: pure mapping', () => {
  it('OCPP connector status -> the four API port states', () => {
    assert.deepEqual(
      [
        'Available',
        'Reserved',
        'Preparing',
        'Charging',
        'SuspendedEV',
        'Finishing',
        'Unavailable',
        'Faulted',
        undefined,
      ].map(portStatusOf),
      ['AVAILABLE', 'AVAILABLE', 'INUSE', 'INUSE', 'INUSE', 'INUSE', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN'],
    );
  });

  it('reachability: a callback address and contact within twice the heartbeat interval', () => {
    const contact = { lastSoapContact: new Date(T0).toISOString(), lastAction: 'Heartbeat', callbackUrl: 'http://cp' };
    const state = { identity: 'CP-1', connectors: {}, transactions: {}, heartbeatInterval: 60 };
    assert.equal(isReachable(state, contact, T0 + 120_000), true);
    assert.equal(isReachable(state, contact, T0 + 121_000), false);
    assert.equal(isReachable(state, { ...contact, callbackUrl: undefined }, T0), false);
    assert.equal(isReachable(undefined, contact, T0 + 1_700_000), true, 'no interval: 2 x 15 minutes');
  });

  it('station ids: numeric, durable, the configured legacy number first', () => {
    assert.equal(derivedStationNumber('CP-1'), derivedStationNumber('CP-1'));
    assert.notEqual(derivedStationNumber('CP-1'), derivedStationNumber('CP-2'));
    const config = { fleetApi: fleet, chargers: { 'CP-1': { station: { stationNumber: 41613 } } } };
    assert.equal(stationOf('CP-1', config, undefined, undefined, T0).stationId, '1:41613');
    assert.match(stationOf('CP-9', config, undefined, undefined, T0).stationId, /^1:\d+$/);
  });

  it('an open transaction makes its port INUSE; connector 0 is no port', () => {
    const state = {
      identity: 'CP-1',
      connectors: {
        '0': { csmsStatus: 'Available' },
        '1': { csmsStatus: 'Available' },
        '2': { csmsStatus: 'Faulted' },
      },
      transactions: { '5': { transactionId: 5, connectorId: 1, idTag: 't', startedAt: '', idTagStatus: 'Accepted' } },
    };
    const contact = { lastSoapContact: new Date(T0).toISOString(), lastAction: 'x', callbackUrl: 'http://cp' };
    const s = stationOf('CP-1', { fleetApi: fleet, chargers: {} }, state, contact, T0);
    assert.deepEqual(
      s.ports.map((p) => [p.portNumber, p.status]),
      [
        [1, 'INUSE'],
        [2, 'UNKNOWN'],
      ],
    );
  });

  it('records: a session from Start/Meter/Stop, energy registers and power, alarms from faults', () => {
    const r = new FleetRecords({ sessionsPerCharger: 2, historyDays: 35 });
    r.observe(
      'CP-1',
      'StartTransaction',
      { connectorId: 2, idTag: 'A', timestamp: '2024-05-01T12:00:00.000Z', meterStart: 500 },
      { transactionId: 9 },
      T0,
    );
    meter(r, 2, 9, '2024-05-01T12:05:00.000Z', [
      { value: '1.5', measurand: 'Energy.Active.Import.Register', unit: 'kWh' },
      { value: '11', measurand: 'Power.Active.Import', unit: 'kW' },
      { value: '16', measurand: 'Current.Import', unit: 'A' },
    ]);
    assert.equal(r.portLoad('CP-1', 2), 11);
    // A sample with power only: the closed session's sample has no energy field (not NaN, not undefined).
    meter(r, 2, 9, '2024-05-01T12:10:00.000Z', [{ value: '7000', measurand: 'Power.Active.Import' }]);
    assert.equal(r.portLoad('CP-1', 2), 7);
    r.observe(
      'CP-1',
      'StopTransaction',
      { transactionId: 9, timestamp: '2024-05-01T12:20:00.000Z', meterStop: 3500 },
      {},
      T0,
    );
    const [s] = r.closed();
    assert.equal(s!.sessionId, sessionIdOf('CP-1', 9, '2024-05-01T12:00:00.000Z'));
    assert.deepEqual(s!.samples, [
      { at: Date.parse('2024-05-01T12:05:00Z'), energyWh: 1500, powerW: 11_000 },
      { at: Date.parse('2024-05-01T12:10:00Z'), powerW: 7000 },
      { at: Date.parse('2024-05-01T12:20:00Z'), energyWh: 3500 },
    ]);
    assert.deepEqual(Object.keys(s!.samples[1]!), ['at', 'powerW']);
    assert.equal(r.portLoad('CP-1', 2), undefined, 'no load once the transaction ended');
    r.observe('CP-1', 'StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure' }, {}, T0);
    r.observe('CP-1', 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' }, {}, T0);
    r.observe('CP-1', 'FirmwareStatusNotification', { status: 'InstallationFailed' }, {}, T0);
    assert.deepEqual(
      r.alarms('CP-1').map((a) => [a.connectorId, a.type]),
      [
        [1, 'GroundFailure'],
        [0, 'Firmware InstallationFailed'],
      ],
    );
  });

  it('records: retention per charger keeps the newest sessions', () => {
    const r = new FleetRecords({ sessionsPerCharger: 2, historyDays: 35 });
    for (const id of [1, 2, 3]) {
      r.observe(
        'CP-1',
        'StartTransaction',
        { connectorId: 1, idTag: 'A', timestamp: `2024-05-0${id}T12:00:00.000Z`, meterStart: 0 },
        { transactionId: id },
        T0,
      );
      r.observe(
        'CP-1',
        'StopTransaction',
        { transactionId: id, timestamp: `2024-05-0${id}T13:00:00.000Z`, meterStop: 10 },
        {},
        T0,
      );
    }
    assert.equal(r.closed().length, 2);
    assert.equal(r.closed()[0]!.start, Date.parse('2024-05-02T12:00:00Z'));
  });

  it('records: a session keeps at most 2,000 meter samples, then the meterStop reading', () => {
    const r = new FleetRecords({ sessionsPerCharger: 2, historyDays: 35 });
    const start = Date.parse('2024-05-01T00:00:00Z');
    r.observe(
      'CP-1',
      'StartTransaction',
      { connectorId: 1, idTag: 'A', timestamp: new Date(start).toISOString(), meterStart: 0 },
      { transactionId: 4 },
      T0,
    );
    for (let i = 1; i <= 2_005; i++) {
      const timestamp = new Date(start + i * 60_000).toISOString();
      meter(r, 1, 4, timestamp, [{ value: String(i), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }]);
    }
    const end = new Date(start + 2_100 * 60_000).toISOString();
    r.observe('CP-1', 'StopTransaction', { transactionId: 4, timestamp: end, meterStop: 9_999 }, {}, T0);
    const samples = r.closed()[0]!.samples;
    assert.equal(samples.length, 2_001);
    assert.deepEqual(samples[1_999], { at: start + 2_000 * 60_000, energyWh: 2_000 });
    assert.deepEqual(samples[2_000], { at: Date.parse(end), energyWh: 9_999 });
  });

  it('15-minute buckets: cumulative or per quarter, peak only from power samples', () => {
    const session = {
      sessionId: 1,
      identity: 'CP-1',
      connectorId: 1,
      idTag: 'A',
      start: Date.parse('2024-05-01T12:05:00Z'),
      meterStart: 1000,
      samples: [
        { at: Date.parse('2024-05-01T12:10:00Z'), energyWh: 1500, powerW: 6000 },
        { at: Date.parse('2024-05-01T12:20:00Z'), energyWh: 2500 },
      ],
    };
    assert.equal(
      fieldsXml(quarterHours(session, false)),
      '<fifteenminData><stationTime>2024-05-01T12:05:00Z</stationTime><energyConsumed>0.5</energyConsumed><peakPower>6</peakPower><rollingPowerAvg>2</rollingPowerAvg></fifteenminData>' +
        '<fifteenminData><stationTime>2024-05-01T12:15:00Z</stationTime><energyConsumed>1.5</energyConsumed><rollingPowerAvg>4</rollingPowerAvg></fifteenminData>',
    );
    assert.match(fieldsXml(quarterHours(session, true)), /<energyConsumed>1<\/energyConsumed>/);
  });

  it('requests: by local name, any operation namespace, the UsernameToken found in a misspelt header namespace', () => {
    const req = readApiRequest(
      '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Header><w:Security xmlns:w="urn:secect"><w:UsernameToken><w:Username>K</w:Username><w:Password Type="x#PasswordText">P</w:Password></w:UsernameToken></w:Security></S:Header>' +
        '<S:Body><n:getStations xmlns:n="urn:dictionary.com.chargepoint.webservices"><searchQuery/></n:getStations></S:Body></S:Envelope>',
    );
    assert.deepEqual(
      [req.operation, req.token],
      ['getStations', { username: 'K', password: 'P', passwordType: 'x#PasswordText' }],
    );
    assert.throws(() => readApiRequest('<a><b></a>'), RequestError);
    assert.throws(() => readApiRequest('<Envelope><Body/></Envelope>'), /no operation/);
  });

  it('credentials: scrypt hash, PasswordDigest refused, throttled per key and address', () => {
    const c = new ApiCredentials(fleet);
    assert.equal(c.check({ username: 'KEY-0000001', password: 'pw' }, 'a').ok, true);
    assert.equal(c.check({ username: 'KEY-0000001', password: 'pw' }, 'a').ok, true, 'the remembered verification');
    const digest = c.check({ username: 'KEY-0000001', password: 'pw', passwordType: 'x#PasswordDigest' }, 'a');
    assert.equal(!digest.ok && digest.code, 'wsse:InvalidSecurity');
    c.check({ username: 'KEY-0000001', password: 'no' }, 'b');
    c.check({ username: 'KEY-0000001', password: 'no' }, 'b');
    const throttled = c.check({ username: 'KEY-0000001', password: 'pw' }, 'b');
    assert.equal(!throttled.ok && throttled.retryAfter !== undefined, true);
    assert.equal(
      c.check({ username: 'KEY-0000001', password: 'pw' }, 'a').ok,
      true,
      'another address is not locked out',
    );
  });

  it('answers: soapenv/ns1 prefixes, unqualified children, omitted undefined values, escaped text', () => {
    const xml = envelopeXml('getAlarms', [
      ['responseCode', '100'],
      ['responseText', 'a<b'],
      ['stationName', undefined],
    ]);
    assert.match(
      xml,
      /<ns1:getAlarmsResponse xmlns:ns1="urn:dictionary:com.chargepoint.webservices"><responseCode>100<\/responseCode><responseText>a&lt;b<\/responseText><\/ns1:getAlarmsResponse>/,
    );
    const fault = parseXml(faultXml('wsse:FailedAuthentication', 'x'));
    assert.equal(fault.children[0]!.children[0]!.children[0]!.text, 'wsse:FailedAuthentication');
  });

  it('WSDLs: well-formed, one operation per served method, 4.1 without getStationStatus', () => {
    for (const version of ['4.1', '5.0', '5.1'] as const) {
      const root = parseXml(wsdlXml(version, `http://gw:8080/webservices/chargepoint/services/${version}`));
      const portType = root.children.find((c) => c.name === 'portType')!;
      const ops = portType.children.map((c) => attr(c, 'name'));
      assert.ok(ops.includes('getChargingSessionData') && ops.includes('shedLoad'));
      assert.equal(ops.includes('getStationStatus'), version !== '4.1');
    }
  });
});
