import { defined } from '../common.js';
import type { RemoteStartTransactionRequest15 } from '../ocpp15.js';
import type { RemoteStartTransactionRequest16, StatusResponse16 } from '../ocpp16.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';

/**
 * Map C: idTag and connectorId go through; a chargingProfile is dropped, as 1.6 section 5.11 says a charge point
 * without smart charging should ignore it.
 */
export const remoteStartTransaction: CsmsInitiatedOperation<RemoteStartTransactionRequest16, StatusResponse16, RemoteStartTransactionRequest15, StatusResponse16> = {
  action: 'RemoteStartTransaction',
  toSoap: (request, _state, ctx) => {
    if (request.chargingProfile) ctx.notes.push('RemoteStartTransaction chargingProfile dropped: OCPP 1.5 has no smart charging');
    return { kind: 'soap', request: defined({ idTag: request.idTag, connectorId: request.connectorId }) };
  },
  fromSoap: (response) => ({ status: response.status }),
};
