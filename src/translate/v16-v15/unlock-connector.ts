import { openTransactionOn } from '../charger-state.js';
import type { StatusResponse15, UnlockConnectorRequest15 } from '../../ocpp/v15/types.js';
import type { UnlockConnectorRequest16, UnlockConnectorResponse16 } from '../../ocpp/v16/types.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';

/** 1.5 UnlockStatus -> 1.6 UnlockStatus (docs/translation.md#unlockconnector). */
const UNLOCK_STATUS: Readonly<Record<string, UnlockConnectorResponse16['status']>> = {
  Accepted: 'Unlocked',
  Rejected: 'UnlockFailed',
};

export const unlockConnector: CsmsInitiatedOperation<
  UnlockConnectorRequest16,
  UnlockConnectorResponse16,
  UnlockConnectorRequest15,
  StatusResponse15
> = {
  csmsAction: 'UnlockConnector',
  chargerAction: 'UnlockConnector',
  toSoap: (request) => ({ kind: 'soap', request: { connectorId: request.connectorId } }),
  fromSoap: (response) => ({ status: UNLOCK_STATUS[response.status] ?? 'UnlockFailed' }),
  // An unlock the charger accepted ends the transaction on that connector (StopTransaction reason UnlockCommand, B.10).
  reduce: (state, { request, result }) => {
    const tx = openTransactionOn(state, request.connectorId);
    if (result.status !== 'Unlocked' || !tx) return state;
    return {
      ...state,
      transactions: { ...state.transactions, [String(tx.transactionId)]: { ...tx, stopCause: 'UnlockCommand' } },
    };
  },
};
