import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { NodeSoapChargePoint } from './charge-points.js';
import { type RpcServerClient, TestCsms } from './csms-peer.js';
import { type RunningGateway, startGateway } from './gateway-harness.js';
import { SoapCharger } from './soap-charger.js';

/** The 1.5 session, the 2.0.1 TransactionEvents and the command site the OCPP 2.0.1 end-to-end tests share. */

export const P201 = 'ocpp2.0.1';
export type Event = {
  eventType: string;
  seqNo: number;
  triggerReason: string;
  offline?: boolean;
  transactionInfo: { transactionId: string; remoteStartId?: number; stoppedReason?: string };
  [k: string]: any;
};

export const events = (csms: TestCsms, identity: string): Event[] =>
  csms.callsFor(identity, 'TransactionEvent').map((c) => c.payload as Event);
export const minute = (n: number) => new Date(Date.parse('2024-06-01T10:00:00.000Z') + n * 60_000).toISOString();

/** The 1.5 requests of a session, as the node-soap charger sends them. */
export const req = {
  boot: {
    chargePointVendor: 'VendorX',
    chargePointModel: 'ModelY',
    chargeBoxSerialNumber: 'CBSN-9',
    firmwareVersion: '3.1',
    iccid: '8931',
    imsi: '2040',
  },
  status: (connectorId: number, status: string, errorCode = 'NoError', extra: object = {}) => ({
    connectorId,
    status,
    errorCode,
    ...extra,
    timestamp: minute(0),
  }),
  start: (connectorId: number, idTag: string, meterStart: number) => ({
    connectorId,
    idTag,
    timestamp: minute(1),
    meterStart,
  }),
  meter: (connectorId: number, transactionId: number, n: number) => ({
    connectorId,
    transactionId,
    values: [
      {
        timestamp: minute(1 + n),
        value: [
          {
            attributes: { context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
            $value: String(1000 + n * 100),
          },
        ],
      },
    ],
  }),
  stop: (transactionId: number, meterStop: number, idTag?: string) => ({
    transactionId,
    ...(idTag ? { idTag } : {}),
    timestamp: minute(30),
    meterStop,
  }),
};

/** Each event of one transaction: one Started, Updated ones, one Ended, one transactionId, seqNo 0..n+1 in order. */
export function assertWholeTransaction(list: Event[], updated: number): string {
  assert.deepEqual(
    list.map((e) => e.eventType),
    ['Started', ...Array<string>(updated).fill('Updated'), 'Ended'],
  );
  assert.deepEqual(
    list.map((e) => e.seqNo),
    list.map((_, i) => i),
    'seqNo 0..n+1 without gap or repeat',
  );
  const ids = new Set(list.map((e) => e.transactionInfo.transactionId));
  assert.equal(ids.size, 1, 'one transactionId');
  return [...ids][0]!;
}

/** A CALL's result, or the error code of its CALLERROR. */
export async function outcome(
  client: RpcServerClient,
  action: string,
  payload: object,
): Promise<{ result?: any; code?: string }> {
  try {
    return { result: await client.call(action, payload) };
  } catch (err) {
    return { code: (err as { rpcErrorCode?: string }).rpcErrorCode };
  }
}

/** A strict 2.0.1 CSMS commanding a booted node-soap 1.5 charger through an embedded gateway. */
export interface CommandSite {
  readonly identity: string;
  readonly csms: TestCsms;
  readonly cp: NodeSoapChargePoint;
  charger: SoapCharger;
  client: RpcServerClient;
  /** A CALL from the CSMS, its outcome and what the charger received for it. */
  command(
    action: string,
    payload: object,
  ): Promise<{ result?: any; code?: string; received: NodeSoapChargePoint['received'] }>;
  /** The CALLs of `action` the CSMS received after its first `n`. */
  callsAfter(n: number, action: string): TestCsms['calls'];
}

/**
 * Starts the command site before the suite's tests (the charger booted) and stops it after them, checking that every
 * CALL the CSMS received was valid OCPP 2.0.1.
 */
export function commandSite(identity: string): CommandSite {
  let gw: RunningGateway;
  const site = {
    identity,
    csms: new TestCsms(P201),
    cp: new NodeSoapChargePoint(),
    command: async (action: string, payload: object) => {
      const before = site.cp.received.length;
      const r = await outcome(site.client, action, payload);
      return { ...r, received: site.cp.received.slice(before) };
    },
    callsAfter: (n: number, action: string) => site.csms.callsFor(identity, action).slice(n),
  } as CommandSite;
  before(async () => {
    await site.csms.start();
    await site.cp.start();
    gw = await startGateway('embedded', site.csms.url, {
      csmsProtocol: P201,
      chargerTimeoutMs: 2_000,
      idTokenType: 'KeyCode',
    });
    site.charger = await SoapCharger.create(gw.soapUrl, identity, site.cp.url);
    await site.charger.call('BootNotification', req.boot);
    site.client = site.csms.clients.get(identity)!;
  });
  after(async () => {
    await gw.stop();
    await site.cp.stop();
    await site.csms.stop();
    assert.deepEqual(site.csms.schemaFailures, [], 'every CALL the CSMS received is valid OCPP 2.0.1');
  });
  return site;
}
