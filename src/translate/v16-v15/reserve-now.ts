import { defined, fromCsmsTime } from '../common.js';
import type { ReservationStatus15, ReserveNowRequest15 } from '../../ocpp/v15/types.js';
import type { ReserveNowRequest16, StatusResponse16 } from '../../ocpp/v16/types.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';

/**
 * docs/translation.md#reservenow: same fields, sent in WSDL order (connectorId, expiryDate, idTag, parentIdTag,
 * reservationId); status 1:1.
 */
export const reserveNow: CsmsInitiatedOperation<
  ReserveNowRequest16,
  StatusResponse16<ReservationStatus15>,
  ReserveNowRequest15,
  StatusResponse16<ReservationStatus15>
> = {
  csmsAction: 'ReserveNow',
  chargerAction: 'ReserveNow',
  toSoap: (r) => ({
    kind: 'soap',
    request: defined({
      connectorId: r.connectorId,
      expiryDate: fromCsmsTime(r.expiryDate),
      idTag: r.idTag,
      parentIdTag: r.parentIdTag,
      reservationId: r.reservationId,
    }),
  }),
  fromSoap: (response) => ({ status: response.status }),
};
