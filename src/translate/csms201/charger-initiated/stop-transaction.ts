import { withConnector, type ChargerState, type OpenTransaction } from '../../charger-state.js';
import type { TranslationContext } from '../../context.js';
import { defined } from '../../field-rules.js';
import type { StopReason16, StopTransactionRequest16, StopTransactionResponse16 } from '../../../ocpp/v16/types.js';
import type {
  StoppedReason201,
  TransactionEventRequest201,
  TransactionEventResponse201,
  TriggerReason201,
} from '../../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';
import { idTokenInfoToModel, idTokenOf } from './id-token.js';
import { meterValuesTo201, registerReading } from './meter-value.js';
import { lateEvent, reserveSeqNo, seqNoFor } from './transactions.js';

type EndReasons = { stoppedReason: StoppedReason201; triggerReason: TriggerReason201 };

/**
 * The model's stop reason (given by a 1.6 SOAP charger, inferred for 1.2 and 1.5, docs/translation.md#stoptransaction)
 * as 2.0.1 ReasonEnumType and TriggerReasonEnumType (docs/translation-201.md#stoptransaction). 2.0.1 has no HardReset,
 * SoftReset or UnlockCommand reason.
 */
const END_REASONS: Readonly<Record<Exclude<StopReason16, 'Local'>, EndReasons>> = {
  Remote: { stoppedReason: 'Remote', triggerReason: 'RemoteStop' },
  UnlockCommand: { stoppedReason: 'Remote', triggerReason: 'UnlockCommand' },
  HardReset: { stoppedReason: 'ImmediateReset', triggerReason: 'ResetCommand' },
  SoftReset: { stoppedReason: 'Reboot', triggerReason: 'ResetCommand' },
  Reboot: { stoppedReason: 'Reboot', triggerReason: 'AbnormalCondition' },
  DeAuthorized: { stoppedReason: 'DeAuthorized', triggerReason: 'Deauthorized' },
  EmergencyStop: { stoppedReason: 'EmergencyStop', triggerReason: 'AbnormalCondition' },
  EVDisconnected: { stoppedReason: 'EVDisconnected', triggerReason: 'EVCommunicationLost' },
  PowerLoss: { stoppedReason: 'PowerLoss', triggerReason: 'AbnormalCondition' },
  Other: { stoppedReason: 'Other', triggerReason: 'AbnormalCondition' },
};

/** A stop without a reason, or Local, ended normally: by the idTag when there is one (1.6 section 4.10). */
export function endReasons(reason: StopReason16 | undefined, idTag: string | undefined): EndReasons {
  if (reason !== undefined && reason !== 'Local') return END_REASONS[reason];
  return { stoppedReason: 'Local', triggerReason: idTag === undefined ? 'ChargingStateChanged' : 'StopAuthorized' };
}

/** The transaction the CSMS knows by the charger's id, if any. */
const knownTransaction = (state: ChargerState, req: StopTransactionRequest16): OpenTransaction | undefined => {
  const tx = state.transactions[String(req.transactionId)];
  return tx?.csmsTransactionId === undefined ? undefined : tx;
};

export function endedEvent(
  req: StopTransactionRequest16,
  state: ChargerState,
  ctx: TranslationContext,
): TransactionEventRequest201 {
  const tx = knownTransaction(state, req);
  if (!tx)
    ctx.notes.push(
      `transaction ${req.transactionId} is unknown to the CSMS: ended under the id of this message, seqNo 0`,
    );
  const timestamp = req.timestamp;
  const meterValue = [
    ...meterValuesTo201(req.transactionData ?? [], ctx),
    registerReading(timestamp, req.meterStop, 'Transaction.End'),
  ];
  const { stoppedReason, triggerReason } = endReasons(req.reason, req.idTag);
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
  StopTransactionRequest16,
  StopTransactionResponse16,
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
    defined({ idTagInfo: res.idTokenInfo === undefined ? undefined : idTokenInfoToModel(res.idTokenInfo, ctx) }),
  late: lateEvent,
  reduce: (state, { request }) => {
    const tx = state.transactions[String(request.transactionId)];
    const { [String(request.transactionId)]: _closed, ...transactions } = state.transactions;
    const next: ChargerState = { ...state, transactions };
    return { state: tx ? withConnector(next, tx.connectorId, (c) => ({ ...c, transactionJustStopped: true })) : next };
  },
};
