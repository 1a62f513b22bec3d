import type { ChargerState } from './charger-state.js';

/**
 * The opt-in offline StartTransaction policy (docs/translation.md#offline-policies): while the CSMS is unavailable, the
 * charger gets a
 * transaction id minted here; once the queued StartTransaction reaches the CSMS, the local id is mapped to the CSMS's.
 * Local ids start at 2,000,000,000 (inside xs:int, far above the sequences CSMSs hand out) and are per charger.
 */
export const FIRST_LOCAL_TRANSACTION_ID = 2_000_000_000;

export function mintLocalTransaction(
  state: ChargerState,
  connectorId: number,
  idTag: string,
  startedAt: string,
): { state: ChargerState; localId: number } {
  const localId = state.nextLocalTransactionId ?? FIRST_LOCAL_TRANSACTION_ID;
  return {
    localId,
    state: {
      ...state,
      nextLocalTransactionId: localId + 1 > 2_147_483_647 ? FIRST_LOCAL_TRANSACTION_ID : localId + 1,
      localTransactions: { ...state.localTransactions, [String(localId)]: { connectorId, idTag, startedAt } },
    },
  };
}

export function mapLocalTransaction(state: ChargerState, localId: number, csmsId: number): ChargerState {
  const entry = state.localTransactions?.[String(localId)];
  if (!entry) return state;
  return { ...state, localTransactions: { ...state.localTransactions, [String(localId)]: { ...entry, csmsId } } };
}

/** The id the CSMS knows for a transaction id the charger uses (unchanged unless it is a mapped local id). */
export function csmsTransactionId(state: ChargerState, chargerId: number): number {
  return state.localTransactions?.[String(chargerId)]?.csmsId ?? chargerId;
}

/** The id the charger knows for a CSMS transaction id (unchanged unless the charger got a local id for it). */
export function chargerTransactionId(state: ChargerState, csmsId: number): number {
  const local = Object.entries(state.localTransactions ?? {}).find(([, t]) => t.csmsId === csmsId);
  return local ? Number(local[0]) : csmsId;
}

/** A charger request with its transaction id translated for the CSMS (MeterValues, StopTransaction). */
export function withCsmsTransactionId<T extends { transactionId?: number }>(state: ChargerState, request: T): T {
  if (request.transactionId === undefined || !state.localTransactions) return request;
  const mapped = csmsTransactionId(state, request.transactionId);
  return mapped === request.transactionId ? request : { ...request, transactionId: mapped };
}
