import { openTransactionOn } from '../../charger-state.js';
import { clamp, defined, fromCsmsTime } from '../../field-rules.js';
import { sameBothWays } from '../../csms-operation.js';
import { chargerTransactionId } from '../../local-transactions.js';
import type {
  CancelReservationRequest16,
  ChangeAvailabilityRequest16,
  ClearChargingProfileRequest16,
  ClearChargingProfileResponse16,
  DataTransferRequest16,
  DataTransferResponse16,
  EmptyPayload,
  GetCompositeScheduleRequest16,
  GetCompositeScheduleResponse16,
  GetDiagnosticsRequest16,
  GetDiagnosticsResponse16,
  GetLocalListVersionResponse16,
  RemoteStartTransactionRequest16,
  RemoteStopTransactionRequest16,
  ReserveNowRequest16,
  ResetRequest16,
  SendLocalListRequest16,
  SendLocalListResponse16,
  SetChargingProfileRequest16,
  SetChargingProfileResponse16,
  StatusResponse16,
  TriggerMessageRequest16,
  TriggerMessageResponse16,
  UnlockConnectorRequest16,
  UnlockConnectorResponse16,
  UpdateFirmwareRequest16,
} from '../../../ocpp/v16/types.js';

/**
 * The 1.6J CSMS calls that are the model's own operations (docs/translation.md#csms-to-charger): the CALL is the
 * model's request and the model's answer is the CALLRESULT. What a dialect writes differently (1.5 spellings, times
 * in UTC, an UnlockStatus of Accepted/Rejected, a chargingProfile it cannot carry) is the dialect's
 * (translate/dialects/commands.ts); what is left here is what the gateway learns from an exchange.
 */

/** docs/translation.md#cancelreservation. */
export const cancelReservation = sameBothWays<CancelReservationRequest16, StatusResponse16>('CancelReservation');

/** docs/translation.md#changeavailability. */
export const changeAvailability = sameBothWays<
  ChangeAvailabilityRequest16,
  StatusResponse16<'Accepted' | 'Rejected' | 'Scheduled'>
>('ChangeAvailability');

/** docs/translation.md#clearcache. */
export const clearCache = sameBothWays<EmptyPayload, StatusResponse16>('ClearCache');

/** docs/translation.md#datatransfer-from-the-csms: data stays opaque text (docs/charger-quirks.md#q15-opaque-datatransfer-data). */
export const dataTransfer = sameBothWays<DataTransferRequest16, DataTransferResponse16>('DataTransfer', {
  fromSoap: (response) => defined({ status: response.status, data: response.data }),
});

/**
 * docs/translation.md#getdiagnostics: fileName clamped to 255. An upload is then outstanding until
 * DiagnosticsStatusNotification: TriggerMessage answers Uploading (docs/translation.md#triggermessage).
 */
export const getDiagnostics = sameBothWays<GetDiagnosticsRequest16, GetDiagnosticsResponse16>('GetDiagnostics', {
  fromSoap: (response, _request, ctx) => defined({ fileName: clamp(response.fileName, 255, 'fileName', ctx) }),
  reduce: (state, { result }, ctx) => ({
    ...state,
    diagnostics: defined({ requestedAt: ctx.now, fileName: result.fileName }),
  }),
});

/** docs/translation.md#getlocallistversion: 0 = empty list, -1 = not supported (1.6 section 5.10). */
export const getLocalListVersion = sameBothWays<EmptyPayload, GetLocalListVersionResponse16>('GetLocalListVersion');

/** docs/translation.md#remotestarttransaction. */
export const remoteStartTransaction = sameBothWays<RemoteStartTransactionRequest16, StatusResponse16>(
  'RemoteStartTransaction',
  { fromSoap: (response) => ({ status: response.status }) },
);

/**
 * docs/translation.md#remotestoptransaction: a transaction the charger started offline carries the gateway's local id
 * on the charger (docs/translation.md#offline-policies); an accepted stop explains the later StopTransaction (Remote).
 */
export const remoteStopTransaction = sameBothWays<RemoteStopTransactionRequest16, StatusResponse16>(
  'RemoteStopTransaction',
  {
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

/** docs/translation.md#reservenow. */
export const reserveNow = sameBothWays<ReserveNowRequest16, StatusResponse16>('ReserveNow', {
  fromSoap: (response) => ({ status: response.status }),
});

/** docs/translation.md#reset: an accepted reset explains the stops that follow. */
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

/** docs/translation.md#sendlocallist. */
export const sendLocalList = sameBothWays<SendLocalListRequest16, SendLocalListResponse16>('SendLocalList', {
  fromSoap: (response) => ({ status: response.status }),
});

/** docs/translation.md#unlockconnector: an unlock the charger carried out ends the transaction there (UnlockCommand). */
export const unlockConnector = sameBothWays<UnlockConnectorRequest16, UnlockConnectorResponse16>('UnlockConnector', {
  fromSoap: (response) => ({ status: response.status }),
  reduce: (state, { request, result }) => {
    const tx = openTransactionOn(state, request.connectorId);
    if (result.status !== 'Unlocked' || !tx) return state;
    return {
      ...state,
      transactions: { ...state.transactions, [String(tx.transactionId)]: { ...tx, stopCause: 'UnlockCommand' } },
    };
  },
});

/**
 * docs/translation.md#updatefirmware: an update is then outstanding until FirmwareStatusNotification: TriggerMessage
 * answers Downloading/Installing (docs/translation.md#triggermessage).
 */
export const updateFirmware = sameBothWays<UpdateFirmwareRequest16, EmptyPayload>('UpdateFirmware', {
  fromSoap: () => ({}),
  reduce: (state, { request }, ctx) => ({
    ...state,
    firmware: { requestedAt: ctx.now, retrieveDate: fromCsmsTime(request.retrieveDate) },
  }),
});

/** TriggerMessage carried out by a charger that has it (1.6 SOAP); the others get the emulation (trigger-message.ts). */
export const triggerMessage = sameBothWays<TriggerMessageRequest16, TriggerMessageResponse16>('TriggerMessage', {
  fromSoap: (response) => ({ status: response.status }),
});

/** Smart charging, carried out by a charger that has it (docs/translation.md#smart-charging). */
export const setChargingProfile = sameBothWays<SetChargingProfileRequest16, SetChargingProfileResponse16>(
  'SetChargingProfile',
  { fromSoap: (response) => ({ status: response.status }) },
);
export const clearChargingProfile = sameBothWays<ClearChargingProfileRequest16, ClearChargingProfileResponse16>(
  'ClearChargingProfile',
  { fromSoap: (response) => ({ status: response.status }) },
);
export const getCompositeSchedule = sameBothWays<GetCompositeScheduleRequest16, GetCompositeScheduleResponse16>(
  'GetCompositeSchedule',
);
