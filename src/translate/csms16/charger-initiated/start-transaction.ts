import { withConnector } from '../../charger-state.js';
import { checkIdTag, defined } from '../../field-rules.js';
import { OCCUPIED_16 } from '../../model.js';
import type {
  StartTransactionRequest16,
  StartTransactionResponse16,
  StatusNotificationRequest16,
} from '../../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation, FollowUpCall } from '../../operation.js';

/**
 * docs/translation.md#starttransaction: 1:1. Never answered by the gateway: the transactionId must come from the
 * CSMS. After the answer the gateway reports the transition a 1.2 or 1.5 charger never sends
 * (docs/translation.md#statusnotification): a connector it reported Occupied goes to Charging, or SuspendedEVSE when
 * the CSMS did not accept the idTag. A charger that reports the 1.6 statuses itself (1.6 SOAP) reports it too.
 */
export const startTransaction: ChargerInitiatedOperation<
  StartTransactionRequest16,
  StartTransactionResponse16,
  StartTransactionRequest16,
  StartTransactionResponse16
> = {
  chargerAction: 'StartTransaction',
  csmsAction: 'StartTransaction',
  toCall: (req) => ({
    kind: 'call',
    payload: defined({
      connectorId: req.connectorId,
      idTag: checkIdTag(req.idTag, 'idTag'),
      meterStart: req.meterStart,
      reservationId: req.reservationId,
      timestamp: req.timestamp,
    }),
  }),
  toResponse: (res) => res,
  reduce: (state, { request, call, result }) => {
    const transactionId = result.transactionId;
    let next = {
      ...state,
      transactions: {
        ...state.transactions,
        [String(transactionId)]: {
          transactionId,
          connectorId: request.connectorId,
          idTag: request.idTag,
          startedAt: call.timestamp,
          idTagStatus: result.idTagInfo.status,
        },
      },
    };
    const connector = next.connectors[String(request.connectorId)];
    const followUps: FollowUpCall[] = [];
    const reportsOccupied =
      connector?.chargerStatus === 'Occupied' ||
      (connector?.csmsStatus === 'Preparing' && !OCCUPIED_16.has(connector.chargerStatus ?? ''));
    if (connector && reportsOccupied) {
      const status = result.idTagInfo.status === 'Accepted' ? 'Charging' : 'SuspendedEVSE';
      if (connector.csmsStatus !== status) {
        const payload: StatusNotificationRequest16 = {
          connectorId: request.connectorId,
          errorCode: 'NoError',
          status,
          timestamp: call.timestamp,
        };
        followUps.push({ action: 'StatusNotification', payload });
        next = withConnector(next, request.connectorId, (c) => ({ ...c, csmsStatus: status, lastStatusSent: payload }));
      }
    }
    next = withConnector(next, request.connectorId, (c) => ({ ...c, transactionJustStopped: false }));
    return { state: next, followUps };
  },
};
