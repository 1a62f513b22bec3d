import { defined, fromCsmsTime } from '../../common.js';
import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type {
  CancelReservationRequest16,
  ChangeAvailabilityRequest16,
  ChangeAvailabilityResponse16,
  DataTransferRequest16,
  DataTransferResponse16,
  GetLocalListVersionResponse16,
  ReservationStatus16,
  ReserveNowRequest16,
  StatusResponse16,
} from '../../../ocpp/v16/types.js';
import type { DataTransferRequest201, DataTransferResponse201, EmptyPayload201 } from '../../../ocpp/v201/types.js';
import type {
  CancelReservationRequest201,
  ChangeAvailabilityRequest201,
  GetLocalListVersionResponse201,
  ReserveNowRequest201,
  StatusResponse201,
} from '../../../ocpp/v201/csms-initiated.js';

/**
 * docs/translation-201.md#changeavailability: no EVSE is the whole station (1.5 connector 0), EVSE N is connector N;
 * a connector other than 1 does not exist behind a 1.5 charger.
 */
export const changeAvailability: CsmsInitiatedOperation<
  ChangeAvailabilityRequest201,
  StatusResponse201<'Accepted' | 'Rejected' | 'Scheduled'>,
  ChangeAvailabilityRequest16,
  ChangeAvailabilityResponse16
> = {
  csmsAction: 'ChangeAvailability',
  chargerAction: 'ChangeAvailability',
  toSoap: (r) => {
    if (r.evse && (r.evse.id < 0 || (r.evse.connectorId !== undefined && r.evse.connectorId !== 1)))
      return { kind: 'answer', result: { status: 'Rejected', statusInfo: { reasonCode: 'UnknownConnector' } } };
    return { kind: 'soap', request: { connectorId: r.evse?.id ?? 0, type: r.operationalStatus } };
  },
  fromSoap: (response) => ({ status: response.status }),
};

/** docs/translation-201.md#cancelreservation: reservationId and status as they are. */
export const cancelReservation: CsmsInitiatedOperation<
  CancelReservationRequest201,
  StatusResponse201,
  CancelReservationRequest16,
  StatusResponse16
> = {
  csmsAction: 'CancelReservation',
  chargerAction: 'CancelReservation',
  toSoap: (r) => ({ kind: 'soap', request: { reservationId: r.reservationId } }),
  fromSoap: (response) => ({ status: response.status }),
};

/** docs/translation-201.md#clearcache: `{}` to an empty element, status back. */
export const clearCache: CsmsInitiatedOperation<EmptyPayload201, StatusResponse201, EmptyPayload201, StatusResponse16> =
  {
    csmsAction: 'ClearCache',
    chargerAction: 'ClearCache',
    toSoap: () => ({ kind: 'soap', request: {} }),
    fromSoap: (response) => ({ status: response.status }),
  };

/**
 * docs/translation-201.md#getlocallistversion: listVersion is versionNumber; a 1.5 charger's -1 (no local list) is 0
 * in 2.0.1, which knows only "no list".
 */
export const getLocalListVersion: CsmsInitiatedOperation<
  EmptyPayload201,
  GetLocalListVersionResponse201,
  EmptyPayload201,
  GetLocalListVersionResponse16
> = {
  csmsAction: 'GetLocalListVersion',
  chargerAction: 'GetLocalListVersion',
  toSoap: () => ({ kind: 'soap', request: {} }),
  fromSoap: (response, _request, ctx) => {
    if (response.listVersion < 0)
      ctx.notes.push(`charger answered listVersion ${response.listVersion} (no local list support): versionNumber 0`);
    return { versionNumber: Math.max(0, response.listVersion) };
  },
};

/**
 * docs/translation-201.md#datatransfer: 2.0.1 data is any JSON, 1.5 data a string: a string goes as it is, anything
 * else as its JSON text; the charger's string comes back as a string.
 */
export const dataTransfer: CsmsInitiatedOperation<
  DataTransferRequest201,
  DataTransferResponse201,
  DataTransferRequest16,
  DataTransferResponse16
> = {
  csmsAction: 'DataTransfer',
  chargerAction: 'DataTransfer',
  toSoap: (r) => ({
    kind: 'soap',
    request: defined({
      vendorId: r.vendorId,
      messageId: r.messageId,
      data: typeof r.data === 'string' || r.data === undefined ? r.data : JSON.stringify(r.data),
    }),
  }),
  fromSoap: (response) => defined({ status: response.status, data: response.data }),
};

/**
 * docs/translation-201.md#reservenow: id -> reservationId, idToken -> idTag, groupIdToken -> parentIdTag, evseId ->
 * connectorId (none: 0, the station). Tokens over 1.5's 20 characters are Rejected; connectorType cannot be honoured.
 */
export const reserveNow: CsmsInitiatedOperation<
  ReserveNowRequest201,
  StatusResponse201<ReservationStatus16>,
  ReserveNowRequest16,
  StatusResponse16<ReservationStatus16>
> = {
  csmsAction: 'ReserveNow',
  chargerAction: 'ReserveNow',
  toSoap: (r, _state, ctx) => {
    if (r.idToken.idToken.length > 20 || (r.groupIdToken?.idToken.length ?? 0) > 20)
      return { kind: 'answer', result: { status: 'Rejected', statusInfo: { reasonCode: 'IdTokenTooLong' } } };
    if (r.connectorType !== undefined)
      ctx.notes.push(`ReserveNow connectorType ${r.connectorType} not honoured: a 1.x connector has no type`);
    return {
      kind: 'soap',
      request: defined({
        connectorId: r.evseId ?? 0,
        expiryDate: fromCsmsTime(r.expiryDateTime),
        idTag: r.idToken.idToken,
        parentIdTag: r.groupIdToken?.idToken,
        reservationId: r.id,
      }),
    };
  },
  fromSoap: (response) => ({ status: response.status }),
};
