import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { hashPassword } from '../../src/fleet-api/credentials.js';
import { derivedStationNumber } from '../../src/fleet-api/stations.js';
import { TestCsms } from './csms-peer.js';
import { FleetApiClient } from './fleet-api-client.js';
import { startGateway, type RunningGateway } from './gateway-harness.js';
import { SoapCharger } from './soap-charger.js';

export interface FleetApiSite {
  csms: TestCsms;
  gw: RunningGateway;
  stop(): Promise<void>;
}

/**
 * A strict CSMS and an embedded gateway that serves the fleet API to one key, granted one group of the given chargers
 * (each with the given per-charger settings).
 */
export async function startFleetApiSite(
  key: { key: string; password: string },
  group: { id: number; name: string },
  chargers: Record<string, object>,
): Promise<FleetApiSite> {
  const csms = await new TestCsms().start();
  const gw = await startGateway('embedded', csms.url, {
    callbackPolicy: 'any',
    fleetApi: {
      keys: [{ key: key.key, passwordHash: hashPassword(key.password, '1111222233334444'), groups: [group.id] }],
      groups: [{ ...group, chargers: Object.keys(chargers) }],
    },
    chargers,
  });
  return {
    csms,
    gw,
    stop: async () => {
      await gw.stop();
      await csms.stop();
    },
  };
}

/** A 1.5 charger that boots and reports connector 1 Available. */
export async function bootAvailable(soapUrl: string, identity: string): Promise<SoapCharger> {
  const cp = await SoapCharger.create(soapUrl, identity, `http://10.20.30.61:8080/${identity}`);
  await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  await cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
  return cp;
}

/** The two API keys of the bridged fleet: one for both groups, one for the Garage group that sees idTags. */
export const ALL = { key: 'KEY-ALL-000001', password: 'all-secret' };
export const GARAGE = { key: 'KEY-GARAGE-0001', password: 'garage-secret' };
/** The callback address FA-1 and FA-2 give; FA-3 gives none. */
export const CALLBACK = 'http://10.20.30.40:8080/ChargePointService';

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

/** The bridged fleet and clients of its API: 5.0 and 4.1 with the ALL key, 5.1 with the GARAGE key. */
export interface BridgedFleet {
  readonly csms: TestCsms;
  gw: RunningGateway;
  v5: FleetApiClient;
  v41: FleetApiClient;
  garage: FleetApiClient;
  /** FA-3's station id, derived from its identity. */
  readonly fa3: string;
}

/**
 * Before the suite's tests: a strict CSMS and an embedded gateway serving the fleet API over three booted chargers in
 * two groups, a session open on FA-1 port 1 with meter values, a fault on FA-2. Stopped after the tests, checking that
 * every CALL the CSMS received was valid.
 */
export function bridgedFleet(): BridgedFleet {
  const csms = new TestCsms();
  const site = { csms, fa3: `1:${derivedStationNumber('FA-3')}` } as BridgedFleet;
  before(async () => {
    await csms.start();
    csms.handlers.StartTransaction = () => ({ transactionId: 77, idTagInfo: { status: 'Accepted' } });
    site.gw = await startGateway('embedded', csms.url, { callbackPolicy: 'any', fleetApi, chargers });
    const fa1 = await SoapCharger.create(site.gw.soapUrl, 'FA-1', CALLBACK);
    const fa2 = await SoapCharger.create(site.gw.soapUrl, 'FA-2', CALLBACK);
    // FA-3 gives no callback address: the gateway cannot reach it, the API says UNREACHABLE.
    const fa3c = await SoapCharger.create(site.gw.soapUrl, 'FA-3');
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
    site.v5 = await FleetApiClient.create(site.gw.baseUrl, '5.0', ALL.key, ALL.password);
    site.v41 = await FleetApiClient.create(site.gw.baseUrl, '4.1', ALL.key, ALL.password);
    site.garage = await FleetApiClient.create(site.gw.baseUrl, '5.1', GARAGE.key, GARAGE.password);
  });
  after(async () => {
    await site.gw.stop();
    await csms.stop();
    assert.deepEqual(csms.schemaFailures, []);
  });
  return site;
}
