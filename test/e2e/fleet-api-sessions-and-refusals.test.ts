import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FleetApiClient, list } from '../helpers/fleet-api-client.js';
import { ALL, bridgedFleet, CALLBACK, GARAGE } from '../helpers/fleet-api-site.js';
import { startGateway } from '../helpers/gateway-harness.js';
import { SoapCharger } from '../helpers/soap-charger.js';
import { until } from '../helpers/wait.js';

/**
 * The ChargePoint Web Services API over a fleet of simulated OCPP 1.5 chargers (docs/fleet-api.md): charging
 * sessions from what the chargers sent, the guide codes for commands OCPP cannot back and for bad input, the guide's
 * sample inputs as printed, authentication and its throttle, and the API off without a key.
 */

describe('fleet API: sessions, what it refuses, and who may call it', () => {
  const site = bridgedFleet();

  it('sessions: a closed transaction, energy from the meter, 15-minute buckets, paging fields', async () => {
    const empty = await site.v5.call('getChargingSessionData', { searchQuery: { stationID: '1:34003' } });
    assert.equal(empty.result.responseCode, '136');
    const fa1 = await SoapCharger.create(site.gw.soapUrl, 'FA-1', CALLBACK);
    await fa1.call('StopTransaction', {
      transactionId: 77,
      idTag: 'RFID-1',
      timestamp: '2024-05-01T12:40:00Z',
      meterStop: 7500,
    });
    let sessions: Record<string, unknown>[] = [];
    await until(async () => {
      const r = await site.v5.call('getChargingSessionData', { searchQuery: { stationID: '1:34003' } });
      sessions = list(r.result.ChargingSessionData);
      return r.result.responseCode === '100';
    }, 'the session in the API');
    const [s] = sessions;
    assert.equal(Number(s!.Energy), 6.5);
    assert.equal(Number(s!.portNumber), 1);
    assert.equal(s!.stationName, 'Garage 1');
    assert.equal(Number(s!.recordNumber), 1);
    assert.equal(s!.credentialID, undefined, 'idTags are private unless the key may see them');
    const mine = await site.garage.call('getChargingSessionData', { searchQuery: {} });
    assert.equal(list(mine.result.ChargingSessionData)[0]!.credentialID, 'RFID-1');
    const v41Sessions = await site.v41.call('getChargingSessionData', { searchQuery: { startRecord: 1 } });
    assert.match(
      v41Sessions.raw,
      /<ChargingSessionsData>.*<sessionID>\d+<\/sessionID><Energy>6.5<\/Energy><startTime>2024-05-01T12:01:00Z<\/startTime><endTime>2024-05-01T12:40:00Z<\/endTime><recordNumber>1<\/recordNumber><\/ChargingSessionsData><MoreFlag>0<\/MoreFlag>/,
    );
    const later = await site.v5.call('getChargingSessionData', { searchQuery: { startRecord: 2 } });
    assert.equal(later.result.responseCode, '136');
    const quarter = await site.v5.call('get15minChargingSessionData', { sessionID: String(s!.sessionID) });
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

  it('commands OCPP cannot back here answer the guide codes, never a silent success', async () => {
    const shed = await site.v5.call('shedLoad', {
      shedQuery: { shedStation: { stationID: '1:34003', allowedLoadPerStation: 3 }, timeInterval: 10 },
    });
    assert.deepEqual([shed.result.responseCode, Number(shed.result.Success)], ['176', 0]);
    const group = await site.v41.call('shedLoad', {
      sgData: { sgID: 1 },
      sgLoadData: { allowedLoad: 2.5 },
      timeInterval: 240,
    });
    assert.equal(group.result.responseCode, '175');
    assert.equal(
      (await site.v5.call('clearShedState', { shedQuery: { shedGroup: { sgID: 1 } } })).result.responseCode,
      '100',
    );
    assert.equal(
      (
        await site.v41.call('confirmReservation', {
          serialNumber: 'RFID-1',
          stationID: '1:34003',
          startTime: new Date().toISOString(),
          Duration: 30,
          portNumber: 1,
        })
      ).result.responseCode,
      '128',
    );
    assert.equal((await site.v41.call('getReservationDetails', { reservationHandle: '5' })).result.responseCode, '148');
    for (const op of ['getChargePointCards', 'priceReservation', 'registerFeeds', 'getUsers']) {
      const r = await site.v41.call(op, {});
      assert.deepEqual([r.result.responseCode, r.result.responseText], ['101', 'not supported by this gateway'], op);
    }
  });

  it('bad input: guide codes for fields, SOAP Faults for what is no API call, bounded bodies', async () => {
    const codes = async (op: string, args: object) => (await site.v5.call(op, args)).result.responseCode;
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
      fetch(`${site.gw.baseUrl}/webservices/chargepoint/services/5.0`, {
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
      const res = await fetch(`${site.gw.baseUrl}/webservices/chargepoint/services/4.1`, {
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
    const anonymous = await FleetApiClient.create(site.gw.baseUrl, '5.0');
    assert.equal(await anonymous.faultOf('getStations', { searchQuery: {} }), 'wsse:InvalidSecurity');
    const wrong = await FleetApiClient.create(site.gw.baseUrl, '5.0', GARAGE.key, 'guess');
    for (let i = 0; i < 3; i++)
      assert.equal(await wrong.faultOf('getStations', { searchQuery: {} }), 'wsse:FailedAuthentication');
    // Throttled now: even the right password from this address waits; the other key is untouched.
    const right = await FleetApiClient.create(site.gw.baseUrl, '5.0', GARAGE.key, GARAGE.password);
    assert.equal(await right.faultOf('getStations', { searchQuery: {} }), 'wsse:FailedAuthentication');
    assert.equal((await site.v5.call('getStations', { searchQuery: {} })).result.responseCode, '100');
  });

  it('is off while no API key is configured', async () => {
    const plain = await startGateway('embedded', site.csms.url, { store: 'memory' });
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
