import { NodeSoapChargePoint } from './charge-points.js';
import { TestCsms } from './csms-peer.js';
import { startGateway, type QueueMode, type RunningGateway } from './gateway-harness.js';
import { LegacyCentralSystem } from './legacy-cs.js';
import { freePort } from './processes.js';

export const NOW = () => new Date().toISOString();
const BOOT = { chargePointVendor: 'VendorX', chargePointModel: 'M1' };

/** Every one of the ten charger operations, in an order that makes sense for one charger. */
export const TEN = (transactionId: () => number): [string, () => object][] => [
  ['BootNotification', () => BOOT],
  ['Heartbeat', () => ({})],
  ['StatusNotification', () => ({ connectorId: 1, status: 'Available', errorCode: 'NoError' })],
  ['Authorize', () => ({ idTag: 'TAG-1' })],
  ['StartTransaction', () => ({ connectorId: 1, idTag: 'TAG-1', timestamp: NOW(), meterStart: 100 })],
  [
    'MeterValues',
    () => ({
      connectorId: 1,
      transactionId: transactionId(),
      values: [
        {
          timestamp: NOW(),
          value: [{ attributes: { measurand: 'Energy.Active.Import.Register', unit: 'Wh' }, $value: '150' }],
        },
      ],
    }),
  ],
  ['StopTransaction', () => ({ transactionId: transactionId(), idTag: 'TAG-1', timestamp: NOW(), meterStop: 200 })],
  ['DataTransfer', () => ({ vendorId: 'VendorX', messageId: 'm', data: 'd' })],
  ['FirmwareStatusNotification', () => ({ status: 'Downloaded' })],
  ['DiagnosticsStatusNotification', () => ({ status: 'Uploaded' })],
];

/** A migration site: a legacy SOAP central system, a strict OCPP-J CSMS, the gateway between, a charger's SOAP side. */
export interface Site {
  csms: TestCsms;
  legacy: LegacyCentralSystem;
  gw: RunningGateway;
  cp: NodeSoapChargePoint;
}

export async function site(mode: QueueMode, overrides: Record<string, unknown> = {}): Promise<Site> {
  const csms = await new TestCsms(overrides.csmsProtocol === 'ocpp2.0.1' ? 'ocpp2.0.1' : 'ocpp1.6').start();
  const legacy = await new LegacyCentralSystem().start();
  const cp = await new NodeSoapChargePoint().start();
  // The legacy system calls the gateway back at its public address: a port known before the start.
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}/CentralSystemService`;
  const gw = await startGateway(mode, csms.url, {
    port,
    publicUrl,
    legacyCsUrl: legacy.url,
    csmsTimeoutMs: 1_500,
    legacyTimeoutMs: 1_500,
    ...overrides,
  });
  return { csms, legacy, gw, cp };
}

export async function closeSite(s: Site): Promise<void> {
  await s.gw.stop();
  await s.cp.stop();
  await s.legacy.stop();
  await s.csms.stop();
}

export const admin = async (s: Site, method: 'GET' | 'PUT' | 'POST', path: string, body?: object) => {
  const res = await fetch(`${s.gw.adminUrl}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
};
