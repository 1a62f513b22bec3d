import { defined } from '../common.js';
import type { DataTransferRequest16, DataTransferResponse16 } from '../../ocpp/v16/types.js';
import { sameBothWays } from '../csms-operation.js';

/**
 * docs/translation.md#datatransfer-from-the-csms: vendorId, messageId, data and the four statuses are the same; data stays opaque
 * text (docs/charger-quirks.md#q15-opaque-datatransfer-data).
 */
export const dataTransfer = sameBothWays<DataTransferRequest16, DataTransferResponse16>('DataTransfer', {
  fromSoap: (response) => defined({ status: response.status, data: response.data }),
});
