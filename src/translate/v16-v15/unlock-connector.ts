import { openTransactionOn } from '../../state/charger-state.js';
import type { StatusResponse15, UnlockConnectorRequest15 } from '../ocpp15.js';
import type { UnlockConnectorRequest16, UnlockConnectorResponse16 } from '../ocpp16.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';

/** 1.5 UnlockStatus -> 1.6 UnlockStatus (map C). */
const UNLOCK_STATUS: Readonly<Record<string, UnlockConnectorResponse16['status']>> = { Accepted: 'Unlocked', Rejected: 'UnlockFailed' };

export const unlockConnector: CsmsInitiatedOperation<UnlockConnectorRequest16, UnlockConnectorResponse16, UnlockConnectorRequest15, StatusResponse15> = {
  action: 'UnlockConnector',
  toSoap: (request) => ({ kind: 'soap', request: { connectorId: request.connectorId } }),
  fromSoap: (response) => ({ status: UNLOCK_STATUS[response.status] ?? 'UnlockFailed' }),
  // An unlock the charger accepted ends the transaction on that connector (StopTransaction reason UnlockCommand, B.10).
  reduce: (state, { request, result }) => {
    const tx = openTransactionOn(state, request.connectorId);
    if (result.status !== 'Unlocked' || !tx) return state;
    return { ...state, transactions: { ...state.transactions, [String(tx.transactionId)]: { ...tx, stopCause: 'UnlockCommand' } } };
  },
};
