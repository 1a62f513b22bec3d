import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type { CancelReservationRequest16, StatusResponse16 } from '../../../ocpp/v16/types.js';
import type { CancelReservationRequest201, StatusResponse201 } from '../../../ocpp/v201/csms-initiated.js';

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
