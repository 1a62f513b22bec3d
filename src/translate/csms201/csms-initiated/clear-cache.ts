import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type { StatusResponse16 } from '../../../ocpp/v16/types.js';
import type { EmptyPayload201 } from '../../../ocpp/v201/types.js';
import type { StatusResponse201 } from '../../../ocpp/v201/csms-initiated.js';

/** docs/translation-201.md#clearcache: `{}` to an empty element, status back. */
export const clearCache: CsmsInitiatedOperation<EmptyPayload201, StatusResponse201, EmptyPayload201, StatusResponse16> =
  {
    csmsAction: 'ClearCache',
    chargerAction: 'ClearCache',
    toSoap: () => ({ kind: 'soap', request: {} }),
    fromSoap: (response) => ({ status: response.status }),
  };
