import { openTransactionOn, type ChargerState } from '../../charger-state.js';
import { defined } from '../../field-rules.js';
import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type {
  RemoteStartTransactionRequest16,
  RemoteStopTransactionRequest16,
  StatusResponse16,
  UnlockConnectorRequest16,
  UnlockConnectorResponse16,
} from '../../../ocpp/v16/types.js';
import type {
  RequestStartStopResponse201,
  RequestStartTransactionRequest201,
  RequestStopTransactionRequest201,
  UnlockConnectorRequest201,
  UnlockConnectorResponse201,
} from '../../../ocpp/v201/csms-initiated.js';
import { REMOTE_START_WINDOW_MS } from '../charger-initiated/start-transaction.js';
import { profileTo16 } from './smart-charging.js';

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

/** A RequestStartTransaction's charging profile in 1.6 words, or none (noted) when 1.6 cannot carry it. */
function startProfile(r: RequestStartTransactionRequest201, state: ChargerState, ctx: { notes: string[] }) {
  if (!r.chargingProfile) return undefined;
  const outcome = profileTo16(r.chargingProfile, state, ctx);
  if ('profile' in outcome) return outcome.profile;
  ctx.notes.push(`RequestStartTransaction chargingProfile dropped: ${outcome.refused}`);
  return undefined;
}

/**
 * docs/translation-201.md#requeststarttransaction: idToken -> idTag, evseId -> connectorId, the charging profile in
 * 1.6 words (a charger without smart charging drops it); an accepted request is remembered per EVSE, so that the
 * charger's StartTransaction carries its remoteStartId and triggerReason RemoteStart.
 */
export const requestStartTransaction: CsmsInitiatedOperation<
  RequestStartTransactionRequest201,
  RequestStartStopResponse201,
  RemoteStartTransactionRequest16,
  StatusResponse16
> = {
  csmsAction: 'RequestStartTransaction',
  chargerAction: 'RemoteStartTransaction',
  toSoap: (r, state, ctx) => {
    if (r.idToken.idToken.length > 20)
      return {
        kind: 'answer',
        result: {
          status: 'Rejected',
          statusInfo: { reasonCode: 'IdTokenTooLong', additionalInfo: 'an OCPP 1.x idTag has at most 20 characters' },
        },
      };
    if (r.evseId !== undefined && r.evseId < 1)
      return { kind: 'answer', result: { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } } };
    if (r.groupIdToken)
      ctx.notes.push(
        'RequestStartTransaction groupIdToken dropped: OCPP 1.x RemoteStartTransaction has no parent idTag',
      );
    return {
      kind: 'soap',
      request: defined({
        idTag: r.idToken.idToken,
        connectorId: r.evseId,
        chargingProfile: startProfile(r, state, ctx),
      }),
    };
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
  RemoteStopTransactionRequest16,
  StatusResponse16
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
 * docs/translation-201.md#unlockconnector: EVSE N is the 1.x connector N with its one connector 1. The gateway
 * answers what its state shows: no such connector, or a transaction going on there (2.0.1 unlocks only a connector
 * without one); the rest goes to the charger. Unlocked is Unlocked; a failure or a charger without a lock
 * (1.6 NotSupported) is UnlockFailed.
 */
export const unlockConnector: CsmsInitiatedOperation<
  UnlockConnectorRequest201,
  UnlockConnectorResponse201,
  UnlockConnectorRequest16,
  UnlockConnectorResponse16
> = {
  csmsAction: 'UnlockConnector',
  chargerAction: 'UnlockConnector',
  toSoap: (r, state) => {
    if (r.evseId < 1 || r.connectorId !== 1) return { kind: 'answer', result: { status: 'UnknownConnector' } };
    if (openTransactionOn(state, r.evseId))
      return { kind: 'answer', result: { status: 'OngoingAuthorizedTransaction' } };
    return { kind: 'soap', request: { connectorId: r.evseId } };
  },
  fromSoap: (response) => ({ status: response.status === 'Unlocked' ? 'Unlocked' : 'UnlockFailed' }),
};
