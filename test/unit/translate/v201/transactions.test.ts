import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChargerState } from '../../../../src/translate/charger-state.js';
import type { TranslationContext } from '../../../../src/translate/context.js';
import type { ChargerInitiatedOperation } from '../../../../src/translate/operation.js';
import type { MeterValue201 } from '../../../../src/ocpp/v201/types.js';
import { lateEvent } from '../../../../src/translate/csms201/charger-initiated/transactions.js';
import { endReasons, meterValues, startTransaction, stopTransaction } from './pair-15-201.js';
import { assertValid, ctx, state, tx201 } from './helpers.js';

/** What the message processor does with one charger message: reserve, translate, answer, reduce. */
function processOnce(
  op: ChargerInitiatedOperation,
  request: unknown,
  s: ChargerState,
  c: TranslationContext,
  result: object = {},
) {
  const reserved = op.reserve ? op.reserve(s, request, c) : s;
  const out = op.toCall(request, reserved, c);
  if (out.kind === 'answer') return { state: reserved, answered: out.response as object };
  const action = out.action ?? op.csmsAction;
  assertValid(action, 'req', out.payload);
  const response = op.toResponse(result, request, c, reserved);
  const next = op.reduce ? op.reduce(reserved, { request, call: out.payload, result, response }, c).state : reserved;
  return { state: next, action, call: out.payload as Record<string, any>, response: response as Record<string, any> };
}

const start = { connectorId: 2, idTag: 'TAG', timestamp: '2024-05-01T12:00:00', meterStart: 1000, reservationId: 5 };
const meter = (transactionId: number | undefined, value: string, context = 'Sample.Periodic', extra: object = {}) => ({
  connectorId: 2,
  transactionId,
  values: [
    {
      timestamp: '2024-05-01T12:05:00Z',
      value: [{ $value: value, context, measurand: 'Energy.Active.Import.Register', unit: 'Wh', ...extra }],
    },
  ],
});

describe('OCPP 1.5 transactions as 2.0.1 TransactionEvents (docs/translation-201.md#starttransaction)', () => {
  it('StartTransaction: Started, seqNo 0, the message id as transactionId, EVSE 2 connector 1, idToken, reservationId, meterStart as Transaction.Begin', () => {
    const done = processOnce(startTransaction, start, state(), ctx({ messageId: 'job-1' }), {
      idTokenInfo: { status: 'Accepted' },
    });
    assert.equal(done.action, 'TransactionEvent');
    assert.deepEqual(done.call, {
      eventType: 'Started',
      timestamp: '2024-05-01T12:00:00.000Z',
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: 'job-1' },
      evse: { id: 2, connectorId: 1 },
      idToken: { idToken: 'TAG', type: 'ISO14443' },
      reservationId: 5,
      meterValue: [
        {
          timestamp: '2024-05-01T12:00:00.000Z',
          sampledValue: [
            {
              value: 1000,
              context: 'Transaction.Begin',
              measurand: 'Energy.Active.Import.Register',
              unitOfMeasure: { unit: 'Wh' },
            },
          ],
        },
      ],
    });
    assert.deepEqual(done.response, { transactionId: 1, idTagInfo: { status: 'Accepted' } });
    assert.deepEqual(done.state.transactions['1'], {
      transactionId: 1,
      connectorId: 2,
      idTag: 'TAG',
      startedAt: '2024-05-01T12:00:00.000Z',
      idTagStatus: 'Accepted',
      csmsTransactionId: 'job-1',
      nextSeqNo: 1,
      reservedEvents: [{ messageId: 'job-1', seqNo: 0 }],
    });
    assert.equal(done.state.nextChargerTransactionId, 2);
  });

  it('the charger ids count per charger, skip ids still open and stay below the offline local ids', () => {
    const s = state({
      nextChargerTransactionId: 3,
      transactions: { '3': tx201({ transactionId: 3, connectorId: 1 }) },
    });
    const done = processOnce(startTransaction, start, s, ctx({ messageId: 'job-2' }), {
      idTokenInfo: { status: 'Accepted' },
    });
    assert.equal(done.response!.transactionId, 4);
    assert.equal(done.state.nextChargerTransactionId, 5);
    const wrap = processOnce(startTransaction, start, state({ nextChargerTransactionId: 1_999_999_999 }), ctx(), {
      idTokenInfo: { status: 'Accepted' },
    });
    assert.equal(wrap.response!.transactionId, 1_999_999_999);
    assert.equal(wrap.state.nextChargerTransactionId, 1);
    const offline = processOnce(startTransaction, start, state(), ctx({ localTransactionId: 2_000_000_004 }), {
      idTokenInfo: { status: 'Accepted' },
    });
    assert.equal(offline.response!.transactionId, 2_000_000_004, 'the local id the charger already has');
    assert.equal(offline.state.nextChargerTransactionId, undefined);
  });

  it('a StartTransaction redelivered after its state was saved names the same transaction, with the same ids', () => {
    const first = processOnce(startTransaction, start, state(), ctx({ messageId: 'job-1' }), {
      idTokenInfo: { status: 'Accepted' },
    });
    const again = processOnce(startTransaction, start, first.state, ctx({ messageId: 'job-1' }), {
      idTokenInfo: { status: 'Accepted' },
    });
    assert.deepEqual(again.call, first.call);
    assert.equal(again.response!.transactionId, 1);
    assert.deepEqual(again.state, first.state);
  });

  it('a start that follows a RequestStartTransaction for its EVSE is RemoteStart with the remoteStartId, once', () => {
    const s = state({ remoteStarts: { '2': { remoteStartId: 77, idTag: 'TAG', at: '2024-05-01T11:58:00.000Z' } } });
    const done = processOnce(startTransaction, start, s, ctx(), { idTokenInfo: { status: 'Accepted' } });
    assert.equal(done.call!.triggerReason, 'RemoteStart');
    assert.deepEqual(done.call!.transactionInfo, { transactionId: 'msg-1', remoteStartId: 77 });
    assert.deepEqual(done.state.remoteStarts, {});
    const any = processOnce(
      startTransaction,
      start,
      state({ remoteStarts: { '*': { remoteStartId: 8, idTag: 'TAG', at: '2024-05-01T11:58:00.000Z' } } }),
      ctx(),
      { idTokenInfo: { status: 'Accepted' } },
    );
    assert.equal(any.call!.transactionInfo.remoteStartId, 8, 'a request without EVSE');
    for (const stale of [
      { remoteStartId: 1, idTag: 'OTHER', at: '2024-05-01T11:58:00.000Z' },
      { remoteStartId: 1, idTag: 'TAG', at: '2024-05-01T11:00:00.000Z' },
    ]) {
      const other = processOnce(startTransaction, start, state({ remoteStarts: { '2': stale } }), ctx(), {
        idTokenInfo: { status: 'Accepted' },
      });
      assert.equal(other.call!.triggerReason, 'Authorized', 'another idTag, or too long ago');
    }
  });

  it("without idTokenInfo the charger gets the CSMS's earlier Authorize answer, else Invalid: never an invented Accepted", () => {
    const remembered = processOnce(
      startTransaction,
      start,
      state({ authorizations: { TAG: { status: 'Accepted', parentIdTag: 'P' } } }),
      ctx(),
      {},
    );
    assert.deepEqual(remembered.response!.idTagInfo, { status: 'Accepted', parentIdTag: 'P' });
    const c = ctx();
    const unknown = processOnce(startTransaction, start, state(), c, {});
    assert.deepEqual(unknown.response!.idTagInfo, { status: 'Invalid' });
    assert.equal(unknown.state.transactions['1']!.idTagStatus, 'Invalid');
    assert.match(c.notes.join(), /told Invalid/);
    const mapped = processOnce(startTransaction, start, state(), ctx(), { idTokenInfo: { status: 'NoCredit' } });
    assert.deepEqual(mapped.response!.idTagInfo, { status: 'Blocked' });
  });

  it('a start on connector 0 is refused: 2.0.1 has no EVSE 0 for a transaction', () => {
    assert.throws(() => startTransaction.toCall({ ...start, connectorId: 0 }, state(), ctx()), /EVSE above 0/);
  });
});

describe('MeterValues and StopTransaction (docs/translation-201.md#metervalues, docs/translation-201.md#stoptransaction)', () => {
  const open = () => state({ transactions: { '7': tx201({ connectorId: 2 }) } });

  it('MeterValues of a known transaction: Updated with the next seqNo, values as numbers with unitOfMeasure', () => {
    const done = processOnce(
      meterValues,
      meter(7, ' 1500.5 ', 'Sample.Periodic', { unit: 'Amp', measurand: 'Current.Import', location: 'Outlet' }),
      open(),
      ctx({ messageId: 'm-1' }),
    );
    assert.equal(done.action, 'TransactionEvent');
    assert.deepEqual(done.call, {
      eventType: 'Updated',
      timestamp: '2024-05-01T12:05:00.000Z',
      triggerReason: 'MeterValuePeriodic',
      seqNo: 1,
      transactionInfo: { transactionId: 'tx-uuid-7' },
      meterValue: [
        {
          timestamp: '2024-05-01T12:05:00.000Z',
          sampledValue: [
            {
              value: 1500.5,
              context: 'Sample.Periodic',
              measurand: 'Current.Import',
              location: 'Outlet',
              unitOfMeasure: { unit: 'A' },
            },
          ],
        },
      ],
    });
    assert.equal(done.state.transactions['7']!.nextSeqNo, 2);
    assert.equal(
      processOnce(meterValues, meter(7, '1', 'Sample.Clock'), open(), ctx()).call!.triggerReason,
      'MeterValueClock',
    );
    assert.equal(processOnce(meterValues, meter(7, '1', 'Trigger'), open(), ctx()).call!.triggerReason, 'Trigger');
    // The 1.5 Celsius is 1.6J's configured Celcius in the model, and 2.0.1's Celsius again.
    const warm = meter(7, '1', 'Sample.Periodic', { measurand: 'Power.Active.Import', unit: 'Celsius' });
    const sampled = (processOnce(meterValues, warm, open(), ctx()).call!.meterValue as MeterValue201[])[0]!;
    assert.deepEqual(sampled.sampledValue[0]!.unitOfMeasure, { unit: 'Celsius' });
  });

  it('the seqNo is reserved once per message: a redelivered message keeps it, the next one gets the next', () => {
    const first = processOnce(meterValues, meter(7, '1'), open(), ctx({ messageId: 'm-1' }));
    const redelivered = processOnce(meterValues, meter(7, '1'), first.state, ctx({ messageId: 'm-1' }));
    assert.equal(redelivered.call!.seqNo, 1);
    assert.deepEqual(redelivered.state, first.state);
    const second = processOnce(meterValues, meter(7, '2'), first.state, ctx({ messageId: 'm-2' }));
    assert.equal(second.call!.seqNo, 2);
    // A stopping gateway may take up the next message before the first is delivered; after the restart both are
    // delivered again, each with its own seqNo.
    assert.equal(processOnce(meterValues, meter(7, '1'), second.state, ctx({ messageId: 'm-1' })).call!.seqNo, 1);
    assert.equal(processOnce(meterValues, meter(7, '2'), second.state, ctx({ messageId: 'm-2' })).call!.seqNo, 2);
    let s = second.state;
    for (let n = 3; n <= 20; n++)
      s = processOnce(meterValues, meter(7, String(n)), s, ctx({ messageId: `m-${n}` })).state;
    assert.equal(s.transactions['7']!.reservedEvents!.length, 8, 'the memory is bounded');
  });

  it('without a transaction id the open transaction of the connector is used; an unknown transaction goes as MeterValues of the EVSE', () => {
    assert.equal(
      processOnce(meterValues, meter(undefined, '1'), open(), ctx()).call!.transactionInfo.transactionId,
      'tx-uuid-7',
    );
    const unknown = processOnce(meterValues, meter(99, '1'), open(), ctx());
    assert.equal(unknown.action, 'MeterValues');
    assert.deepEqual(unknown.call, {
      evseId: 2,
      meterValue: [
        {
          timestamp: '2024-05-01T12:05:00.000Z',
          sampledValue: [
            {
              value: 1,
              context: 'Sample.Periodic',
              measurand: 'Energy.Active.Import.Register',
              unitOfMeasure: { unit: 'Wh' },
            },
          ],
        },
      ],
    });
    const main = processOnce(meterValues, { ...meter(undefined, '5'), connectorId: 0 }, state(), ctx());
    assert.equal(main.call!.evseId, 0, 'the main meter');
    assert.equal(main.state.transactions['7'], undefined);
  });

  it('measurands 2.0.1 lacks, signed data and non-numbers are dropped and noted; nothing left is answered by the gateway', () => {
    const c = ctx();
    const mixed = {
      connectorId: 2,
      transactionId: 7,
      values: [
        {
          timestamp: '2024-05-01T12:05:00Z',
          value: [
            { $value: '21', measurand: 'Temperature', unit: 'Celsius' },
            { $value: '230', measurand: 'Voltage', unit: 'Volt' },
          ],
        },
      ],
    };
    const done = processOnce(meterValues, mixed, open(), c);
    assert.deepEqual(done.call!.meterValue[0].sampledValue, [
      { value: 230, measurand: 'Voltage', unitOfMeasure: { unit: 'V' } },
    ]);
    assert.match(c.notes[0]!, /Temperature dropped/);
    const nothing = processOnce(meterValues, meter(7, 'abc'), open(), ctx());
    assert.deepEqual(nothing.answered, {});
    assert.equal(nothing.state.transactions['7']!.nextSeqNo, 1, 'no seqNo spent on a message that is not sent');
    assert.deepEqual(
      processOnce(meterValues, meter(7, '1', 'Sample.Periodic', { format: 'SignedData' }), open(), ctx()).answered,
      {},
    );
  });

  const stop = (idTag?: string) => ({
    transactionId: 7,
    idTag,
    timestamp: '2024-05-01T13:00:00Z',
    meterStop: 9000,
    transactionData: [
      { values: [{ timestamp: '2024-05-01T12:30:00Z', value: [{ $value: '5000', unit: 'Wh' }] }] },
      { values: [] },
    ],
  });

  it('StopTransaction: Ended with the next seqNo, stoppedReason, idToken, transactionData flattened and meterStop as Transaction.End', () => {
    const done = processOnce(stopTransaction, stop('TAG'), open(), ctx({ messageId: 's-1' }), {
      idTokenInfo: { status: 'Accepted' },
    });
    assert.deepEqual(done.call, {
      eventType: 'Ended',
      timestamp: '2024-05-01T13:00:00.000Z',
      triggerReason: 'StopAuthorized',
      seqNo: 1,
      transactionInfo: { transactionId: 'tx-uuid-7', stoppedReason: 'Local' },
      idToken: { idToken: 'TAG', type: 'ISO14443' },
      meterValue: [
        { timestamp: '2024-05-01T12:30:00.000Z', sampledValue: [{ value: 5000, unitOfMeasure: { unit: 'Wh' } }] },
        {
          timestamp: '2024-05-01T13:00:00.000Z',
          sampledValue: [
            {
              value: 9000,
              context: 'Transaction.End',
              measurand: 'Energy.Active.Import.Register',
              unitOfMeasure: { unit: 'Wh' },
            },
          ],
        },
      ],
    });
    assert.deepEqual(done.response, { idTagInfo: { status: 'Accepted' } });
    assert.equal(done.state.transactions['7'], undefined);
    assert.equal(done.state.connectors['2']?.transactionJustStopped, true);
  });

  it('stop reasons: the causes inferred for 1.6 in 2.0.1 words, never HardReset or UnlockCommand as a reason', () => {
    const cases: [object, string | undefined, [string, string]][] = [
      [{ stopCause: 'Remote' }, 'TAG', ['Remote', 'RemoteStop']],
      [{ stopCause: 'UnlockCommand' }, undefined, ['Remote', 'UnlockCommand']],
      [{ stopCause: 'HardReset' }, undefined, ['ImmediateReset', 'ResetCommand']],
      [{ stopCause: 'SoftReset' }, undefined, ['Reboot', 'ResetCommand']],
      [{ rebootedDuringTransaction: true }, undefined, ['Reboot', 'AbnormalCondition']],
      [{ idTagStatus: 'Blocked' }, undefined, ['DeAuthorized', 'Deauthorized']],
      [{}, 'TAG', ['Local', 'StopAuthorized']],
      [{}, undefined, ['Local', 'ChargingStateChanged']],
    ];
    for (const [extra, idTag, [stoppedReason, triggerReason]] of cases) {
      assert.deepEqual(endReasons(tx201(extra), stop(idTag)), { stoppedReason, triggerReason }, JSON.stringify(extra));
      const done = processOnce(stopTransaction, stop(idTag), state({ transactions: { '7': tx201(extra) } }), ctx());
      assert.equal(done.call!.transactionInfo.stoppedReason, stoppedReason);
    }
  });

  it('a stop of a transaction the CSMS never saw still reaches it, under the message id with seqNo 0', () => {
    const c = ctx({ messageId: 'stop-job' });
    const done = processOnce(stopTransaction, stop(), state(), c);
    assert.equal(done.call!.transactionInfo.transactionId, 'stop-job');
    assert.equal(done.call!.seqNo, 0);
    assert.match(c.notes[0]!, /unknown to the CSMS/);
  });

  it('a whole session counts 0, 1, ... n+1 without gap on one transactionId', () => {
    let s = state();
    const seqNos: number[] = [];
    const ids = new Set<string>();
    const started = processOnce(startTransaction, start, s, ctx({ messageId: 'start' }), {
      idTokenInfo: { status: 'Accepted' },
    });
    s = started.state;
    seqNos.push(started.call!.seqNo);
    ids.add(started.call!.transactionInfo.transactionId);
    const chargerId = started.response!.transactionId as number;
    for (let n = 1; n <= 5; n++) {
      const updated = processOnce(
        meterValues,
        meter(chargerId, String(1000 + n * 100)),
        s,
        ctx({ messageId: `mv-${n}` }),
      );
      s = updated.state;
      seqNos.push(updated.call!.seqNo);
      ids.add(updated.call!.transactionInfo.transactionId);
    }
    const ended = processOnce(stopTransaction, { ...stop(), transactionId: chargerId }, s, ctx({ messageId: 'stop' }));
    seqNos.push(ended.call!.seqNo);
    ids.add(ended.call!.transactionInfo.transactionId);
    assert.deepEqual(seqNos, [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...ids], ['start']);
  });

  it('an event delivered after the charger was answered locally is marked offline; other CALLs are left alone', () => {
    const event = processOnce(meterValues, meter(7, '1'), open(), ctx()).call!;
    const late = lateEvent(event);
    assert.equal(late.offline, true);
    assertValid('TransactionEvent', 'req', late);
    assert.deepEqual(lateEvent({ evseId: 1, meterValue: [] }), { evseId: 1, meterValue: [] });
    assert.equal(stopTransaction.late, lateEvent);
    assert.equal(startTransaction.late, lateEvent);
  });
});
