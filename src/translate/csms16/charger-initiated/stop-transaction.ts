import { withConnector, type ChargerState } from '../../charger-state.js';
import { checkIdTag, defined } from '../../field-rules.js';
import type {
  StatusNotificationRequest16,
  StopTransactionRequest16,
  StopTransactionResponse16,
} from '../../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation, FollowUpCall } from '../../operation.js';

/**
 * docs/translation.md#stoptransaction: the model's request, transactionData omitted when empty, the reason as the
 * dialect gave or inferred it.
 */
export const stopTransaction: ChargerInitiatedOperation<
  StopTransactionRequest16,
  StopTransactionResponse16,
  StopTransactionRequest16,
  StopTransactionResponse16
> = {
  chargerAction: 'StopTransaction',
  csmsAction: 'StopTransaction',
  toCall: (req) => ({
    kind: 'call',
    payload: defined({
      idTag: req.idTag === undefined ? undefined : checkIdTag(req.idTag, 'idTag'),
      meterStop: req.meterStop,
      timestamp: req.timestamp,
      transactionId: req.transactionId,
      reason: req.reason,
      transactionData: req.transactionData?.length ? req.transactionData : undefined,
    }),
  }),
  toResponse: (res) => res,
  reduce: (state, { request, call }) => {
    const tx = state.transactions[String(request.transactionId)];
    const { [String(request.transactionId)]: _closed, ...transactions } = state.transactions;
    let next: ChargerState = { ...state, transactions };
    const followUps: FollowUpCall[] = [];
    if (tx) {
      next = withConnector(next, tx.connectorId, (c) => ({ ...c, transactionJustStopped: true }));
      const connector = next.connectors[String(tx.connectorId)];
      // docs/translation.md#statusnotification: a 1.2 or 1.5 charger that is still Occupied after the stop is
      // Finishing in 1.6.
      if (connector?.chargerStatus === 'Occupied' && connector.csmsStatus !== 'Finishing') {
        const payload: StatusNotificationRequest16 = {
          connectorId: tx.connectorId,
          errorCode: 'NoError',
          status: 'Finishing',
          timestamp: call.timestamp,
        };
        followUps.push({ action: 'StatusNotification', payload });
        next = withConnector(next, tx.connectorId, (c) => ({ ...c, csmsStatus: 'Finishing', lastStatusSent: payload }));
      }
    }
    return { state: next, followUps };
  },
};
