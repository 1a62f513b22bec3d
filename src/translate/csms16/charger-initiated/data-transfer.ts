import { clamp, defined } from '../../field-rules.js';
import type { ChargerInitiatedOperation } from '../../operation.js';
import type { DataTransferRequest16, DataTransferResponse16 } from '../../../ocpp/v16/types.js';

/**
 * docs/translation.md#datatransfer-from-the-charger: 1:1 with 1.6 limits; `data` is opaque and passed byte for byte
 * (docs/charger-quirks.md#q15-opaque-datatransfer-data).
 */
export const dataTransfer: ChargerInitiatedOperation<
  DataTransferRequest16,
  DataTransferResponse16,
  DataTransferRequest16,
  DataTransferResponse16
> = {
  chargerAction: 'DataTransfer',
  csmsAction: 'DataTransfer',
  toCall: (req, _state, ctx) => ({
    kind: 'call',
    payload: defined({
      vendorId: clamp(req.vendorId, 255, 'vendorId', ctx)!,
      messageId: clamp(req.messageId, 50, 'messageId', ctx),
      data: req.data,
    }),
  }),
  toResponse: (res) =>
    defined({
      status: res.status,
      data: typeof res.data === 'string' || res.data === undefined ? res.data : JSON.stringify(res.data),
    }),
};
