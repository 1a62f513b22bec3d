import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/fleet-api/credentials.js';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { FleetApiClient, list } from '../helpers/fleet-api-client.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { SoapCharger } from '../helpers/soap-charger.js';

/**
 * shedLoad and clearShedState on a charger with a configured shed key: GetConfiguration first, ChangeConfiguration to
 * the limit, the previous value written back on clear; sent through the gateway's CSMS-call path (traced), never seen
 * by the CSMS (docs/fleet-api.md#load-shedding).
 */

const KEY = { key: 'KEY-SHED-00001', password: 'shed' };

describe('fleet API: load shedding through a vendor configuration key', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  let cp: NodeSoapChargePoint;
  let api5: FleetApiClient;
  let api41: FleetApiClient;
  let maxCurrent = '32';

  before(async () => {
    csms = await new TestCsms().start();
    cp = await new NodeSoapChargePoint().start();
    cp.answers.GetConfiguration = () => ({
      configurationKey: [{ key: 'MaxCurrent', readonly: false, value: maxCurrent }],
    });
    cp.answers.ChangeConfiguration = (args) => {
      maxCurrent = String(args.value);
      return { status: 'Accepted' };
    };
    gw = await startGateway('embedded', csms.url, {
      callbackPolicy: 'any',
      fleetApi: {
        keys: [{ key: KEY.key, passwordHash: hashPassword(KEY.password, '1111222233334444'), groups: [1] }],
        groups: [{ id: 1, name: 'Shed', chargers: ['SH-1'] }],
      },
      chargers: {
        'SH-1': {
          station: { stationNumber: 900, reservable: true, shed: { key: 'MaxCurrent', voltage: 230, phases: 1 } },
        },
      },
    });
    const charger = await SoapCharger.create(gw.soapUrl, 'SH-1', cp.url);
    await charger.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    await charger.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    api5 = await FleetApiClient.create(gw.baseUrl, '5.1', KEY.key, KEY.password);
    api41 = await FleetApiClient.create(gw.baseUrl, '4.1', KEY.key, KEY.password);
  });
  after(async () => {
    await gw.stop();
    await cp.stop();
    await csms.stop();
  });

  it('allowedLoad: 6.9 kW at 230 V single phase is 30 A; getLoad shows the shed; clear restores 32 A', async () => {
    const shed = await api5.call('shedLoad', {
      shedQuery: { shedStation: { stationID: '1:900', allowedLoadPerStation: 6.9 }, timeInterval: 0 },
    });
    assert.deepEqual([shed.result.responseCode, Number(shed.result.Success)], ['100', 1]);
    assert.deepEqual(cp.last('GetConfiguration')?.args, { key: ['MaxCurrent'] });
    assert.deepEqual(cp.last('ChangeConfiguration')?.args, { key: 'MaxCurrent', value: '30' });
    const load = await api5.call('getLoad', { searchQuery: { sgID: '1' } });
    const [port] = list(list(load.result.stationData)[0]!.Port);
    assert.deepEqual([Number(port!.shedState), Number(port!.allowedLoad)], [1, 6.9]);
    const other = await api5.call('shedLoad', {
      shedQuery: { shedStation: { stationID: '1:900', percentShedPerStation: 50 }, timeInterval: 0 },
    });
    assert.equal(other.result.responseCode, '179');
    const cleared = await api5.call('clearShedState', { shedQuery: { shedStation: { stationID: '1:900' } } });
    assert.equal(cleared.result.responseCode, '100');
    assert.deepEqual(cp.last('ChangeConfiguration')?.args, { key: 'MaxCurrent', value: '32' });
    assert.equal(csms.calls.filter((c) => c.action.includes('Configuration')).length, 0, 'the CSMS never saw it');
    const traced = gw.gateway.trace.recent('SH-1').filter((r) => JSON.stringify(r).includes('ChangeConfiguration'));
    assert.ok(traced.length >= 2, 'the commands are in the message trace');
  });

  it('4.1 group shed by percent, then a charger that refuses', async () => {
    const shed = await api41.call('shedLoad', {
      sgData: { sgID: 1 },
      sgLoadData: { percentShed: 50 },
      timeInterval: 0,
    });
    assert.equal(shed.result.responseCode, '100');
    assert.equal(maxCurrent, '16');
    assert.equal((await api41.call('clearShedState', { sgID: '1' })).result.responseCode, '100');
    assert.equal(maxCurrent, '32');
    cp.answers.ChangeConfiguration = () => ({ status: 'Rejected' });
    const refused = await api41.call('shedLoad', {
      sgData: { sgID: 1 },
      sgLoadData: { allowedLoad: 3 },
      timeInterval: 5,
    });
    assert.deepEqual([refused.result.responseCode, Number(refused.result.Success)], ['126', 0]);
  });

  it('bad shed input: both or neither value, percent over 100, bad interval', async () => {
    const code = async (shedStation: object, timeInterval: unknown = 0) =>
      (
        await api5.call('shedLoad', {
          shedQuery: { shedStation: { stationID: '1:900', ...shedStation }, timeInterval },
        })
      ).result.responseCode;
    assert.equal(await code({ allowedLoadPerStation: 2, percentShedPerStation: 10 }), '173');
    assert.equal(await code({}), '173');
    assert.equal(await code({ percentShedPerStation: 150 }), '174');
    assert.equal(await code({ allowedLoadPerStation: -1 }), '130');
    assert.equal(await code({ allowedLoadPerStation: 2 }, -3), '124');
  });

  it("reservations: ReserveNow from the gateway range, details, a driver's list, CancelReservation", async () => {
    const reserve = (startTime: Date, Duration: unknown = 30) =>
      api41.call('confirmReservation', {
        serialNumber: 'CARD-7',
        stationID: '1:900',
        startTime: startTime.toISOString(),
        Duration,
        portNumber: 1,
      });
    assert.equal((await reserve(new Date(Date.now() + 3_600_000))).result.responseCode, '112', 'no future slots');
    assert.equal((await reserve(new Date(), 0)).result.responseCode, '107');
    const made = await reserve(new Date());
    assert.equal(made.result.responseCode, '100');
    const handle = Number(made.result.reservationHandle);
    assert.ok(handle >= 1_900_000_000, 'a reservationId the CSMS does not use');
    const sent = cp.last('ReserveNow')!.args as Record<string, unknown>;
    assert.deepEqual([sent.connectorId, sent.idTag, Number(sent.reservationId)], [1, 'CARD-7', handle]);
    const details = await api41.call('getReservationDetails', { reservationHandle: String(handle) });
    assert.deepEqual(
      [details.result.responseCode, Number(details.result.duration), Number(details.result.portNumber)],
      ['100', 30, 1],
    );
    const driver = await api41.call('getDriverReservations', { serialNumber: 'CARD-7' });
    assert.equal(Number(list(driver.result.reservationData)[0]!.reservationHandle), handle);
    const reservable = await api41.call('getReservableStations', { searchQuery: {} });
    assert.deepEqual(
      list(reservable.result.stationData).map((s) => s.stationID),
      ['1:900'],
    );
    assert.equal(
      (await api41.call('cancelReservation', { reservationHandle: String(handle) })).result.responseCode,
      '100',
    );
    assert.equal(Number((cp.last('CancelReservation')!.args as Record<string, unknown>).reservationId), handle);
    assert.equal(
      (await api41.call('cancelReservation', { reservationHandle: String(handle) })).result.responseCode,
      '116',
    );
    assert.equal(csms.calls.filter((c) => c.action.includes('Reserv')).length, 0, 'the CSMS never saw them');
  });
});
