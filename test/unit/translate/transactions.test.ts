import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OpenTransaction } from '../../../src/translate/charger-state.js';
import { stopReason } from '../../../src/translate/dialects/stop-reason.js';
import { startTransaction, stopTransaction } from './pair-15-16.js';
import { check16 } from '../../../src/ocpp/v16/protocol.js';
import { ctx, state } from './helpers.js';

const start = { connectorId: 1, idTag: 'TAG', timestamp: '2024-05-01T12:00:00', meterStart: 100, reservationId: 3 };
const tx = (extra: Partial<OpenTransaction> = {}): OpenTransaction => ({
  transactionId: 9,
  connectorId: 1,
  idTag: 'TAG',
  startedAt: 'x',
  idTagStatus: 'Accepted',
  ...extra,
});

describe('StartTransaction (docs/translation.md#starttransaction)', () => {
  it('is 1:1 with the timestamp in UTC', () => {
    const out = startTransaction.toCall(start, state(), ctx());
    assert.deepEqual(out, {
      kind: 'call',
      payload: {
        connectorId: 1,
        idTag: 'TAG',
        meterStart: 100,
        reservationId: 3,
        timestamp: '2024-05-01T12:00:00.000Z',
      },
    });
    if (out.kind === 'call') assert.ok(check16('StartTransaction', 'req', out.payload).ok);
    assert.deepEqual(
      startTransaction.toResponse({ transactionId: 55, idTagInfo: { status: 'Accepted' } }, start, ctx()),
      { transactionId: 55, idTagInfo: { status: 'Accepted' } },
    );
  });

  it('records the open transaction and reports Charging for a connector that was Preparing', () => {
    const before = state({ connectors: { '1': { chargerStatus: 'Occupied', csmsStatus: 'Preparing' } } });
    const call = { connectorId: 1, idTag: 'TAG', meterStart: 100, timestamp: '2024-05-01T12:00:00.000Z' };
    const { state: after, followUps } = startTransaction.reduce!(
      before,
      { request: start, call, result: { transactionId: 55, idTagInfo: { status: 'Accepted' } }, response: {} as never },
      ctx(),
    );
    assert.equal(after.transactions['55']?.connectorId, 1);
    assert.deepEqual(followUps, [
      {
        action: 'StatusNotification',
        payload: { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: call.timestamp },
      },
    ]);
    assert.equal(after.connectors['1']?.csmsStatus, 'Charging');
    assert.ok(check16('StatusNotification', 'req', followUps![0]!.payload).ok);
  });

  it('reports SuspendedEVSE when the CSMS did not accept the idTag, and nothing for a free connector', () => {
    const before = state({ connectors: { '1': { chargerStatus: 'Occupied', csmsStatus: 'Preparing' } } });
    const call = { connectorId: 1, idTag: 'TAG', meterStart: 100, timestamp: 't' };
    const blocked = startTransaction.reduce!(
      before,
      { request: start, call, result: { transactionId: 5, idTagInfo: { status: 'Blocked' } }, response: {} as never },
      ctx(),
    );
    assert.equal((blocked.followUps![0]!.payload as { status: string }).status, 'SuspendedEVSE');
    const free = startTransaction.reduce!(
      state(),
      { request: start, call, result: { transactionId: 5, idTagInfo: { status: 'Accepted' } }, response: {} as never },
      ctx(),
    );
    assert.deepEqual(free.followUps, []);
  });
});

describe('StopTransaction (docs/translation.md#stoptransaction)', () => {
  const stop = {
    transactionId: 9,
    idTag: 'TAG',
    timestamp: '2024-05-01T13:00:00Z',
    meterStop: 900,
    transactionData: [
      { values: [{ timestamp: '2024-05-01T12:00:00Z', value: [{ $value: '100', context: 'Transaction.Begin' }] }] },
      { values: [] },
      {
        values: [
          { timestamp: '2024-05-01T13:00:00Z', value: [{ $value: '900', context: 'Transaction.End', unit: 'Wh' }] },
        ],
      },
    ],
  };

  it('flattens transactionData, drops empty wrappers, and omits reason when nothing is known', () => {
    const out = stopTransaction.toCall(stop, state({ transactions: { '9': tx() } }), ctx());
    assert.deepEqual(out, {
      kind: 'call',
      payload: {
        idTag: 'TAG',
        meterStop: 900,
        timestamp: '2024-05-01T13:00:00.000Z',
        transactionId: 9,
        transactionData: [
          { timestamp: '2024-05-01T12:00:00.000Z', sampledValue: [{ value: '100', context: 'Transaction.Begin' }] },
          {
            timestamp: '2024-05-01T13:00:00.000Z',
            sampledValue: [{ value: '900', context: 'Transaction.End', unit: 'Wh' }],
          },
        ],
      },
    });
    if (out.kind === 'call') assert.ok(check16('StopTransaction', 'req', out.payload).ok);
  });

  it('omits transactionData entirely when there is none (empty <transactionData/>, docs/charger-quirks.md#q12-empty-and-nil-values)', () => {
    const out = stopTransaction.toCall({ ...stop, transactionData: [{ values: [] }] }, state(), ctx());
    assert.equal(out.kind === 'call' && 'transactionData' in out.payload, false);
  });

  it('infers reason: command markers first, then Reboot, then DeAuthorized', () => {
    for (const stopCause of ['Remote', 'UnlockCommand', 'HardReset', 'SoftReset'] as const) {
      assert.equal(stopReason(tx({ stopCause, rebootedDuringTransaction: true }), stop), stopCause);
    }
    assert.equal(stopReason(tx({ rebootedDuringTransaction: true }), stop), 'Reboot');
    assert.equal(stopReason(tx({ idTagStatus: 'Blocked' }), { ...stop, idTag: undefined }), 'DeAuthorized');
    assert.equal(stopReason(tx({ idTagStatus: 'Blocked' }), stop), undefined);
    assert.equal(stopReason(undefined, stop), undefined);
  });

  it('closes the transaction and reports Finishing when the charger is still Occupied', () => {
    const before = state({
      transactions: { '9': tx() },
      connectors: { '1': { chargerStatus: 'Occupied', csmsStatus: 'Charging' } },
    });
    const call = { transactionId: 9, meterStop: 900, timestamp: '2024-05-01T13:00:00.000Z' };
    const { state: after, followUps } = stopTransaction.reduce!(
      before,
      { request: stop, call, result: {}, response: {} },
      ctx(),
    );
    assert.deepEqual(after.transactions, {});
    assert.equal(after.connectors['1']?.transactionJustStopped, true);
    assert.deepEqual(followUps, [
      {
        action: 'StatusNotification',
        payload: { connectorId: 1, errorCode: 'NoError', status: 'Finishing', timestamp: call.timestamp },
      },
    ]);
  });

  it('returns idTagInfo only when the CSMS gave one', () => {
    assert.deepEqual(stopTransaction.toResponse({}, stop, ctx()), {});
    assert.deepEqual(stopTransaction.toResponse({ idTagInfo: { status: 'Expired' } }, stop, ctx()), {
      idTagInfo: { status: 'Expired' },
    });
  });
});
