import { openTransactionOn, type ChargerState } from '../charger-state.js';
import { defined } from '../common.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';
import type {
  RemoteStartTransactionRequest15,
  RemoteStopTransactionRequest15,
  StatusResponse15,
} from '../../ocpp/v15/types.js';
import type {
  RequestStartStopResponse201,
  RequestStartTransactionRequest201,
  RequestStopTransactionRequest201,
  UnlockConnectorRequest201,
  UnlockConnectorResponse201,
} from '../../ocpp/v201/csms-initiated.js';
import { REMOTE_START_WINDOW_MS } from '../v15-v201/start-transaction.js';

/** The remembered remote starts still young enough to explain a StartTransaction, plus this one. */
function withRemoteStart(
  state: ChargerState,
  key: string,
  remote: { remoteStartId: number; idTag: string; at: string },
): ChargerState {
  const fresh = Object.entries(state.remoteStarts ?? {}).filter(
    ([k, r]) => k !== key && Date.parse(remote.at) - Date.parse(r.at) <= REMOTE_START_WINDOW_MS,
  );
  return { ...state, remoteStarts: { ...Object.fromEntries(fresh), [key]: remote } };
}

/**
 * docs/translation-201.md#requeststarttransaction: idToken -> idTag, evseId -> connectorId; an accepted request is
 * remembered per EVSE, so that the charger's StartTransaction carries its remoteStartId and triggerReason RemoteStart.
 */
export const requestStartTransaction: CsmsInitiatedOperation<
  RequestStartTransactionRequest201,
  RequestStartStopResponse201,
  RemoteStartTransactionRequest15,
  StatusResponse15
> = {
  csmsAction: 'RequestStartTransaction',
  chargerAction: 'RemoteStartTransaction',
  toSoap: (r, _state, ctx) => {
    if (r.idToken.idToken.length > 20)
      return {
        kind: 'answer',
        result: {
          status: 'Rejected',
          statusInfo: { reasonCode: 'IdTokenTooLong', additionalInfo: 'an OCPP 1.5 idTag has at most 20 characters' },
        },
      };
    if (r.evseId !== undefined && r.evseId < 1)
      return { kind: 'answer', result: { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } } };
    if (r.chargingProfile)
      ctx.notes.push('RequestStartTransaction chargingProfile dropped: OCPP 1.5 has no smart charging');
    if (r.groupIdToken)
      ctx.notes.push(
        'RequestStartTransaction groupIdToken dropped: OCPP 1.5 RemoteStartTransaction has no parent idTag',
      );
    return { kind: 'soap', request: defined({ idTag: r.idToken.idToken, connectorId: r.evseId }) };
  },
  fromSoap: (response) => ({ status: response.status === 'Accepted' ? 'Accepted' : 'Rejected' }),
  reduce: (state, { request, result }, ctx) => {
    if (result.status !== 'Accepted') return state;
    return withRemoteStart(state, request.evseId === undefined ? '*' : String(request.evseId), {
      remoteStartId: request.remoteStartId,
      idTag: request.idToken.idToken,
      at: ctx.now,
    });
  },
};

/** The open transaction the CSMS names by its own transactionId. */
const byCsmsId = (state: ChargerState, transactionId: string) =>
  Object.values(state.transactions).find((t) => t.csmsTransactionId === transactionId);

/**
 * docs/translation-201.md#requeststoptransaction: the CSMS's string id -> the charger's integer id; an id the gateway
 * does not know is Rejected without asking the charger. Accepted explains the stop that follows (Remote).
 */
export const requestStopTransaction: CsmsInitiatedOperation<
  RequestStopTransactionRequest201,
  RequestStartStopResponse201,
  RemoteStopTransactionRequest15,
  StatusResponse15
> = {
  csmsAction: 'RequestStopTransaction',
  chargerAction: 'RemoteStopTransaction',
  toSoap: (r, state) => {
    const tx = byCsmsId(state, r.transactionId);
    return tx
      ? { kind: 'soap', request: { transactionId: tx.transactionId } }
      : { kind: 'answer', result: { status: 'Rejected', statusInfo: { reasonCode: 'TxNotFound' } } };
  },
  fromSoap: (response) => ({ status: response.status === 'Accepted' ? 'Accepted' : 'Rejected' }),
  reduce: (state, { request, result }) => {
    const tx = byCsmsId(state, request.transactionId);
    if (result.status !== 'Accepted' || !tx) return state;
    return {
      ...state,
      transactions: { ...state.transactions, [String(tx.transactionId)]: { ...tx, stopCause: 'Remote' } },
    };
  },
};

/**
 * docs/translation-201.md#unlockconnector: EVSE N is the 1.5 connector N with its one connector 1. The gateway
 * answers what its state shows: no such connector, or a transaction going on there (2.0.1 unlocks only a connector
 * without one); the rest goes to the charger, whose Accepted is Unlocked.
 */
export const unlockConnector: CsmsInitiatedOperation<
  UnlockConnectorRequest201,
  UnlockConnectorResponse201,
  { connectorId: number },
  StatusResponse15
> = {
  csmsAction: 'UnlockConnector',
  chargerAction: 'UnlockConnector',
  toSoap: (r, state) => {
    if (r.evseId < 1 || r.connectorId !== 1) return { kind: 'answer', result: { status: 'UnknownConnector' } };
    if (openTransactionOn(state, r.evseId))
      return { kind: 'answer', result: { status: 'OngoingAuthorizedTransaction' } };
    return { kind: 'soap', request: { connectorId: r.evseId } };
  },
  fromSoap: (response) => ({ status: response.status === 'Accepted' ? 'Unlocked' : 'UnlockFailed' }),
};
