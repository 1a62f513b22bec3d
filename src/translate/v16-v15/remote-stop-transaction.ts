import type { RemoteStopTransactionRequest16, StatusResponse16 } from '../../ocpp/v16/types.js';
import { sameBothWays } from '../csms-operation.js';
import { chargerTransactionId } from '../local-transactions.js';

/**
 * docs/translation.md#remotestoptransaction: transactionId and status are the same; an accepted stop explains the later
 * StopTransaction (reason Remote, B.10).
 */
export const remoteStopTransaction = sameBothWays<RemoteStopTransactionRequest16, StatusResponse16>(
  'RemoteStopTransaction',
  {
    // A transaction the charger started offline carries the gateway's local id on the charger
    // (docs/translation.md#offline-policies).
    toSoap: (request, state) => ({
      kind: 'soap',
      request: { transactionId: chargerTransactionId(state, request.transactionId) },
    }),
    reduce: (state, { request, result }) => {
      const tx = state.transactions[String(request.transactionId)];
      if (result.status !== 'Accepted' || !tx) return state;
      return {
        ...state,
        transactions: { ...state.transactions, [String(tx.transactionId)]: { ...tx, stopCause: 'Remote' } },
      };
    },
  },
);
