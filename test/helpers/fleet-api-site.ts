import { hashPassword } from '../../src/fleet-api/credentials.js';
import { TestCsms } from './csms-peer.js';
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
