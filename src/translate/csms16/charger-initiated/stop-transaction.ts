import { withConnector, type ChargerState, type OpenTransaction } from '../charger-state.js';
import { checkIdTag, defined, idTagInfoTo15, toUtc } from '../common.js';
import { meterValueTo16 } from '../meter-value.js';
import type { StopTransactionRequest15, StopTransactionResponse15 } from '../../ocpp/v15/types.js';
import type {
  StatusNotificationRequest16,
  StopReason16,
  StopTransactionRequest16,
  StopTransactionResponse16,
} from '../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation, FollowUpCall } from '../operation.js';

/**
 * Reason is omitted unless the gateway knows it (docs/translation.md#stoptransaction; 1.6 section 4.10: absent means
 * Local): a command the
 * gateway relayed and the charger accepted, a reboot during the transaction, or a stop without idTag after the CSMS
 * did not accept the start.
 */
export function stopReason(tx: OpenTransaction | undefined, req: StopTransactionRequest15): StopReason16 | undefined {
  if (!tx) return undefined;
  if (tx.stopCause) return tx.stopCause;
  if (tx.rebootedDuringTransaction) return 'Reboot';
  if (tx.idTagStatus !== 'Accepted' && req.idTag === undefined) return 'DeAuthorized';
  return undefined;
}

/**
 * docs/translation.md#stoptransaction: transactionData[].values[] flattened into one 1.6 transactionData, each
 * converted as in MeterValues.
 */
export const stopTransaction: ChargerInitiatedOperation<
  StopTransactionRequest15,
  StopTransactionResponse15,
  StopTransactionRequest16,
  StopTransactionResponse16
> = {
  chargerAction: 'StopTransaction',
  csmsAction: 'StopTransaction',
  toCall: (req, state, ctx) => {
    const transactionData = req.transactionData.flatMap((d) => d.values).map((mv) => meterValueTo16(mv, ctx));
    return {
      kind: 'call',
      payload: defined({
        idTag: req.idTag === undefined ? undefined : checkIdTag(req.idTag, 'idTag'),
        meterStop: req.meterStop,
        timestamp: toUtc(req.timestamp, ctx.options.timezone),
        transactionId: req.transactionId,
        reason: stopReason(state.transactions[String(req.transactionId)], req),
        transactionData: transactionData.length > 0 ? transactionData : undefined,
      }),
    };
  },
  toResponse: (res) => defined({ idTagInfo: res.idTagInfo === undefined ? undefined : idTagInfoTo15(res.idTagInfo) }),
  reduce: (state, { request, call }) => {
    const tx = state.transactions[String(request.transactionId)];
    const { [String(request.transactionId)]: _closed, ...transactions } = state.transactions;
    let next: ChargerState = { ...state, transactions };
    const followUps: FollowUpCall[] = [];
    if (tx) {
      next = withConnector(next, tx.connectorId, (c) => ({ ...c, transactionJustStopped: true }));
      const connector = next.connectors[String(tx.connectorId)];
      // docs/translation.md#statusnotification: a 1.5 charger that is still Occupied after the stop is Finishing in
      // 1.6.
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
