import type { ChargerState } from '../../charger-state.js';
import type { ChargerReply, ChargerStep, CsmsInitiatedOperation } from '../../csms-operation.js';
import type { ResetRequest16, StatusResponse16 } from '../../../ocpp/v16/types.js';
import type { ResetRequest201, ResetResponse201 } from '../../../ocpp/v201/csms-initiated.js';

/**
 * What an accepted 1.5 reset teaches the gateway: the stops it causes (docs/translation-201.md#stoptransaction) and
 * the reason of the boot that follows (docs/translation-201.md#bootnotification).
 */
export function afterReset(state: ChargerState, type: ResetRequest16['type']): ChargerState {
  const stopCause = type === 'Hard' ? 'HardReset' : 'SoftReset';
  const transactions = Object.fromEntries(
    Object.entries(state.transactions).map(([id, tx]) => [id, { ...tx, stopCause: tx.stopCause ?? stopCause }]),
  );
  return { ...state, transactions, bootCause: 'RemoteReset' };
}

/**
 * docs/translation-201.md#reset: Immediate is a 1.5 Hard reset. OnIdle is a Soft reset when no transaction is open;
 * with one open it is answered Scheduled and sent once the last transaction has ended (a 1.5 Soft reset would end
 * them). 1.x resets the whole station: a reset of one EVSE is Rejected.
 */
export const reset: CsmsInitiatedOperation<ResetRequest201, ResetResponse201, ResetRequest16, StatusResponse16> = {
  csmsAction: 'Reset',
  chargerAction: 'Reset',
  toSoap: (r, state, ctx) => {
    if (r.evseId !== undefined)
      return {
        kind: 'answer',
        result: {
          status: 'Rejected',
          statusInfo: { reasonCode: 'NoEvseReset', additionalInfo: 'an OCPP 1.x charger resets only as a whole' },
        },
      };
    if (r.type === 'Immediate') return { kind: 'soap', request: { type: 'Hard' } };
    if (Object.keys(state.transactions).length === 0) return { kind: 'soap', request: { type: 'Soft' } };
    ctx.notes.push(
      'Reset OnIdle while a transaction is open: Scheduled, sent to the charger as Soft once no transaction is open',
    );
    return {
      kind: 'answer',
      result: { status: 'Scheduled' },
      update: (s) => ({ state: { ...s, scheduledReset: { at: ctx.now } } }),
    };
  },
  fromSoap: (response) => ({ status: response.status === 'Accepted' ? 'Accepted' : 'Rejected' }),
  reduce: (state, { request, result }) =>
    result.status === 'Accepted' ? afterReset(state, request.type === 'Immediate' ? 'Hard' : 'Soft') : state,
};

/**
 * The call the gateway owes a charger once it is idle: the Soft reset of a Scheduled Reset OnIdle, when no transaction
 * is open any more; the state after it, whatever the charger answered (it was asked once, as 2.0.1 asks once).
 */
export function idleCall(state: ChargerState): ChargerStep<(s: ChargerState) => ChargerState> | undefined {
  if (!state.scheduledReset || Object.keys(state.transactions).length > 0) return undefined;
  return {
    chargerAction: 'Reset',
    request: { type: 'Soft' } satisfies ResetRequest16,
    next: (reply: ChargerReply) => (s) => {
      const cleared = { ...s, scheduledReset: undefined };
      return reply.ok && (reply.response as StatusResponse16).status === 'Accepted'
        ? afterReset(cleared, 'Soft')
        : cleared;
    },
  };
}
