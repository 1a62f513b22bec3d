import type { RemoteStopTransactionRequest16, StatusResponse16 } from '../ocpp16.js';
import { sameBothWays } from '../csms-operation.js';

/** Map C: transactionId and status are the same; an accepted stop explains the later StopTransaction (reason Remote, B.10). */
export const remoteStopTransaction = sameBothWays<RemoteStopTransactionRequest16, StatusResponse16>('RemoteStopTransaction', {
  reduce: (state, { request, result }) => {
    const tx = state.transactions[String(request.transactionId)];
    if (result.status !== 'Accepted' || !tx) return state;
    return { ...state, transactions: { ...state.transactions, [String(tx.transactionId)]: { ...tx, stopCause: 'Remote' } } };
  },
});
