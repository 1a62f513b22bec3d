import { defined } from '../common.js';
import type { DataTransferRequest16, DataTransferResponse16 } from '../ocpp16.js';
import { sameBothWays } from '../csms-operation.js';

/** Map C: vendorId, messageId, data and the four statuses are the same; data stays opaque text (quirk Q15). */
export const dataTransfer = sameBothWays<DataTransferRequest16, DataTransferResponse16>('DataTransfer', {
  fromSoap: (response) => defined({ status: response.status, data: response.data }),
});
