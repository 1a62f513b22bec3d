import type { ResetRequest16, StatusResponse16 } from '../../ocpp/v16/types.js';
import { sameBothWays } from '../csms-operation.js';

/**
 * docs/translation.md#reset: type {Hard, Soft} and status are the same; an accepted reset explains the stops
 * that follow (B.10).
 */
export const reset = sameBothWays<ResetRequest16, StatusResponse16>('Reset', {
  reduce: (state, { request, result }) => {
    if (result.status !== 'Accepted') return state;
    const stopCause = request.type === 'Hard' ? 'HardReset' : 'SoftReset';
    const transactions = Object.fromEntries(
      Object.entries(state.transactions).map(([id, tx]) => [id, { ...tx, stopCause: tx.stopCause ?? stopCause }]),
    );
    return { ...state, transactions };
  },
});
