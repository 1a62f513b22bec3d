import { withConnector, type ChargerState, type OpenTransaction } from '../charger-state.js';
import { defined, toUtc, type TranslationContext } from '../common.js';
import type { StopTransactionRequest15, StopTransactionResponse15 } from '../../ocpp/v15/types.js';
import type {
  StoppedReason201,
  TransactionEventRequest201,
  TransactionEventResponse201,
  TriggerReason201,
} from '../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../operation.js';
import { idTokenInfoTo15, idTokenOf } from './id-token.js';
import { meterValuesTo201, registerReading } from './meter-value.js';
import { lateEvent, reserveSeqNo, seqNoFor } from './transactions.js';

/**
 * Why the transaction ended, from what the gateway saw, as 2.0.1 ReasonEnumType and TriggerReasonEnumType
 * (docs/translation-201.md#stoptransaction): the causes inferred for 1.6 (docs/translation.md#stoptransaction) in
 * 2.0.1 words. 2.0.1 has no HardReset, SoftReset or UnlockCommand reason.
 */
export function endReasons(
  tx: OpenTransaction | undefined,
  req: StopTransactionRequest15,
): { stoppedReason: StoppedReason201; triggerReason: TriggerReason201 } {
  switch (tx?.stopCause) {
    case 'Remote':
      return { stoppedReason: 'Remote', triggerReason: 'RemoteStop' };
    case 'UnlockCommand':
      return { stoppedReason: 'Remote', triggerReason: 'UnlockCommand' };
    case 'HardReset':
      return { stoppedReason: 'ImmediateReset', triggerReason: 'ResetCommand' };
    case 'SoftReset':
      return { stoppedReason: 'Reboot', triggerReason: 'ResetCommand' };
  }
  if (tx?.rebootedDuringTransaction) return { stoppedReason: 'Reboot', triggerReason: 'AbnormalCondition' };
  if (tx && tx.idTagStatus !== 'Accepted' && req.idTag === undefined)
    return { stoppedReason: 'DeAuthorized', triggerReason: 'Deauthorized' };
  return { stoppedReason: 'Local', triggerReason: req.idTag === undefined ? 'ChargingStateChanged' : 'StopAuthorized' };
}

/** The transaction the CSMS knows by the charger's id, if any. */
const knownTransaction = (state: ChargerState, req: StopTransactionRequest15): OpenTransaction | undefined => {
  const tx = state.transactions[String(req.transactionId)];
  return tx?.csmsTransactionId === undefined ? undefined : tx;
};

export function endedEvent(
  req: StopTransactionRequest15,
  state: ChargerState,
  ctx: TranslationContext,
): TransactionEventRequest201 {
  const tx = knownTransaction(state, req);
  if (!tx)
    ctx.notes.push(
      `transaction ${req.transactionId} is unknown to the CSMS: ended under the id of this message, seqNo 0`,
    );
  const timestamp = toUtc(req.timestamp, ctx.options.timezone);
  const meterValue = [
    ...meterValuesTo201(
      req.transactionData.flatMap((d) => d.values),
      ctx,
    ),
    registerReading(timestamp, req.meterStop, 'Transaction.End'),
  ];
  const { stoppedReason, triggerReason } = endReasons(tx, req);
  return defined({
    eventType: 'Ended' as const,
    timestamp,
    triggerReason,
    seqNo: tx ? seqNoFor(tx, ctx) : 0,
    transactionInfo: {
      transactionId: tx?.csmsTransactionId ?? ctx.messageId ?? `${state.identity}-${req.transactionId}`.slice(-36),
      stoppedReason,
    },
    idToken: req.idTag === undefined ? undefined : idTokenOf(req.idTag, ctx),
    meterValue,
  });
}

/** docs/translation-201.md#stoptransaction: TransactionEvent Ended, transactionData flattened, meterStop as Transaction.End. */
export const stopTransaction: ChargerInitiatedOperation<
  StopTransactionRequest15,
  StopTransactionResponse15,
  TransactionEventRequest201,
  TransactionEventResponse201
> = {
  chargerAction: 'StopTransaction',
  csmsAction: 'TransactionEvent',
  reserve: (state, req, ctx) => {
    const tx = knownTransaction(state, req);
    return tx ? reserveSeqNo(state, tx, ctx.messageId) : state;
  },
  toCall: (req, state, ctx) => ({ kind: 'call', payload: endedEvent(req, state, ctx) }),
  toResponse: (res, _req, ctx) =>
    defined({ idTagInfo: res.idTokenInfo === undefined ? undefined : idTokenInfoTo15(res.idTokenInfo, ctx) }),
  late: lateEvent,
  reduce: (state, { request }) => {
    const tx = state.transactions[String(request.transactionId)];
    const { [String(request.transactionId)]: _closed, ...transactions } = state.transactions;
    const next: ChargerState = { ...state, transactions };
    return { state: tx ? withConnector(next, tx.connectorId, (c) => ({ ...c, transactionJustStopped: true })) : next };
  },
};
