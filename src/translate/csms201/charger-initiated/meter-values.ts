import type { ChargerState } from '../../charger-state.js';
import type { TranslationContext } from '../../context.js';
import type { EmptyPayload, MeterValuesRequest16 } from '../../../ocpp/v16/types.js';
import type {
  EmptyPayload201,
  MeterValue201,
  MeterValuesRequest201,
  TransactionEventRequest201,
  TriggerReason201,
} from '../../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';
import { meterValuesTo201 } from './meter-value.js';
import { lateEvent, reserveSeqNo, seqNoFor, transactionOf } from './transactions.js';

type Plan =
  | { kind: 'event'; payload: TransactionEventRequest201; transactionId: number }
  | { kind: 'meterValues'; payload: MeterValuesRequest201 }
  | { kind: 'nothing'; reason: string };

/**
 * Sample.Clock readings are MeterValueClock, a triggered one (1.6 Trigger) is Trigger, every other reading
 * MeterValuePeriodic (docs/translation-201.md#metervalues).
 */
const triggerOf = (meterValue: MeterValue201[]): TriggerReason201 => {
  const context = meterValue[0]!.sampledValue[0]!.context;
  return context === 'Sample.Clock' ? 'MeterValueClock' : context === 'Trigger' ? 'Trigger' : 'MeterValuePeriodic';
};

/**
 * What a MeterValues of the model becomes: a TransactionEvent Updated of a transaction the CSMS knows, a MeterValues of the
 * EVSE otherwise (evseId 0 is the station's main meter), or nothing when 2.0.1 can carry none of its values.
 */
function plan(req: MeterValuesRequest16, state: ChargerState, ctx: TranslationContext): Plan {
  const meterValue = meterValuesTo201(req.meterValue, ctx);
  if (meterValue.length === 0)
    return { kind: 'nothing', reason: 'MeterValues without a value OCPP 2.0.1 can carry: nothing to forward' };
  const tx = transactionOf(state, req.transactionId, req.connectorId, ctx);
  if (!tx) {
    if (req.transactionId !== undefined && req.transactionId !== 0)
      ctx.notes.push(
        `transaction ${req.transactionId} is unknown to the CSMS: sent as MeterValues of EVSE ${req.connectorId}`,
      );
    return { kind: 'meterValues', payload: { evseId: req.connectorId, meterValue } };
  }
  const payload: TransactionEventRequest201 = {
    eventType: 'Updated',
    timestamp: meterValue.at(-1)!.timestamp,
    triggerReason: triggerOf(meterValue),
    seqNo: seqNoFor(tx, ctx),
    transactionInfo: { transactionId: tx.csmsTransactionId! },
    meterValue,
  };
  return { kind: 'event', payload, transactionId: tx.transactionId };
}

/** docs/translation-201.md#metervalues. */
export const meterValues: ChargerInitiatedOperation<
  MeterValuesRequest16,
  EmptyPayload,
  TransactionEventRequest201 | MeterValuesRequest201,
  EmptyPayload201
> = {
  chargerAction: 'MeterValues',
  csmsAction: 'MeterValues',
  reserve: (state, req, ctx) => {
    const planned = plan(req, state, { ...ctx, notes: [] });
    return planned.kind === 'event'
      ? reserveSeqNo(state, state.transactions[String(planned.transactionId)]!, ctx.messageId)
      : state;
  },
  toCall: (req, state, ctx) => {
    const planned = plan(req, state, ctx);
    if (planned.kind === 'nothing') return { kind: 'answer', response: {}, reason: planned.reason };
    return planned.kind === 'event'
      ? { kind: 'call', action: 'TransactionEvent', payload: planned.payload }
      : { kind: 'call', payload: planned.payload };
  },
  toResponse: () => ({}),
  late: lateEvent,
};
