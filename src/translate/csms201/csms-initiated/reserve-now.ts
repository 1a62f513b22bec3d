import { defined, fromCsmsTime } from '../../field-rules.js';
import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type { ReservationStatus16, ReserveNowRequest16, StatusResponse16 } from '../../../ocpp/v16/types.js';
import type { ReserveNowRequest201, StatusResponse201 } from '../../../ocpp/v201/csms-initiated.js';

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
