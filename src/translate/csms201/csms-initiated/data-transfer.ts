import { defined } from '../../field-rules.js';
import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type { DataTransferRequest16, DataTransferResponse16 } from '../../../ocpp/v16/types.js';
import type { DataTransferRequest201, DataTransferResponse201 } from '../../../ocpp/v201/types.js';

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
