import { clamp, defined } from '../common.js';
import type { DataTransferRequest15, DataTransferResponse15 } from '../ocpp15.js';
import type { DataTransferRequest16, DataTransferResponse16 } from '../ocpp16.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/** Map B.3: 1:1 with 1.6 limits; `data` is opaque and passed byte for byte (quirk Q15). */
export const dataTransfer: ChargerInitiatedOperation<DataTransferRequest15, DataTransferResponse15, DataTransferRequest16, DataTransferResponse16> = {
  action: 'DataTransfer',
  storeAndForward: false,
  toCall: (req, _state, ctx) => ({
    kind: 'call',
    payload: defined({
      vendorId: clamp(req.vendorId, 255, 'vendorId', ctx)!,
      messageId: clamp(req.messageId, 50, 'messageId', ctx),
      data: req.data,
    }),
  }),
  toResponse: (res) => defined({ status: res.status, data: typeof res.data === 'string' || res.data === undefined ? res.data : JSON.stringify(res.data) }),
};
