import assert from 'node:assert/strict';
import type { TestCsms } from './csms-peer.js';

/** The 1.5 session and the 2.0.1 TransactionEvents the OCPP 2.0.1 end-to-end tests share. */

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
