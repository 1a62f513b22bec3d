import type { CsmsProtocol } from '../../src/ocpp/protocols.js';
import { RawChargePoint } from './charge-points.js';
import { TestCsms, type RpcServerClient } from './csms-peer.js';
import { startGateway, type QueueMode, type RunningGateway } from './gateway-harness.js';
import { envelope, post } from './soap.js';

/** A strict CSMS, a gateway and a raw charger that booted through it: the CSMS can call the charger at once. */
export interface RawChargerSite {
  csms: TestCsms;
  gw: RunningGateway;
  cp: RawChargePoint;
  /** The CSMS's side of the charger's connection. */
  client: RpcServerClient;
  stop(): Promise<void>;
}

export async function rawChargerSite(
  identity: string,
  mode: QueueMode,
  overrides: Record<string, unknown> = {},
  protocol: CsmsProtocol = 'ocpp1.6',
): Promise<RawChargerSite> {
  const csms = await new TestCsms(protocol).start();
  const cp = await new RawChargePoint().start();
  const gw = await startGateway(mode, csms.url, { csmsProtocol: protocol, ...overrides });
  await post(
    gw.soapUrl,
    envelope(
      '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>',
      { identity, from: cp.url },
    ),
  );
  return {
    csms,
    gw,
    cp,
    client: csms.clients.get(identity)!,
    stop: async () => {
      await gw.stop();
      await cp.stop();
      await csms.stop();
    },
  };
}
