import { afterFirmwareStatus } from '../../model.js';
import type { ChargerInitiatedOperation } from '../../operation.js';
import type { EmptyPayload, FirmwareStatusNotificationRequest16 } from '../../../ocpp/v16/types.js';

/**
 * docs/translation.md#firmwarestatusnotification: every SOAP status exists unchanged in 1.6. Downloaded means
 * installation is next; the final statuses end the update (TriggerMessage emulation, docs/translation.md#triggermessage).
 */
export const firmwareStatusNotification: ChargerInitiatedOperation<
  FirmwareStatusNotificationRequest16,
  EmptyPayload,
  FirmwareStatusNotificationRequest16,
  EmptyPayload
> = {
  chargerAction: 'FirmwareStatusNotification',
  csmsAction: 'FirmwareStatusNotification',
  toCall: (req) => ({ kind: 'call', payload: { status: req.status } }),
  toResponse: () => ({}),
  reduce: (state, { request }) => ({ state: afterFirmwareStatus(state, request.status) }),
};
