import { defined } from '../common.js';
import type { RemoteStartTransactionRequest15 } from '../../ocpp/v15/types.js';
import type { RemoteStartTransactionRequest16, StatusResponse16 } from '../../ocpp/v16/types.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';

/**
 * docs/translation.md#remotestarttransaction: idTag and connectorId go through; a chargingProfile is dropped, as 1.6 section
 * 5.11 says a charge point
 * without smart charging should ignore it.
 */
export const remoteStartTransaction: CsmsInitiatedOperation<
  RemoteStartTransactionRequest16,
  StatusResponse16,
  RemoteStartTransactionRequest15,
  StatusResponse16
> = {
  csmsAction: 'RemoteStartTransaction',
  chargerAction: 'RemoteStartTransaction',
  toSoap: (request, _state, ctx) => {
    if (request.chargingProfile)
      ctx.notes.push('RemoteStartTransaction chargingProfile dropped: OCPP 1.5 has no smart charging');
    return { kind: 'soap', request: defined({ idTag: request.idTag, connectorId: request.connectorId }) };
  },
  fromSoap: (response) => ({ status: response.status }),
};
