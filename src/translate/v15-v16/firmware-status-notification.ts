import type { EmptyResponse15, FirmwareStatusNotificationRequest15 } from '../../ocpp/v15/types.js';
import type { EmptyPayload, FirmwareStatusNotificationRequest16 } from '../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/** docs/translation.md#firmwarestatusnotification: the four 1.5 statuses exist unchanged in 1.6. */
export const firmwareStatusNotification: ChargerInitiatedOperation<
  FirmwareStatusNotificationRequest15,
  EmptyResponse15,
  FirmwareStatusNotificationRequest16,
  EmptyPayload
> = {
  chargerAction: 'FirmwareStatusNotification',
  csmsAction: 'FirmwareStatusNotification',
  toCall: (req) => ({ kind: 'call', payload: { status: req.status } }),
  toResponse: () => ({}),
  // Downloaded means installation is next; the other three statuses end the update (TriggerMessage emulation,
  // docs/translation.md#triggermessage).
  reduce: (state, { request }) => ({
    state: {
      ...state,
      firmware: request.status === 'Downloaded' && state.firmware ? { ...state.firmware, downloaded: true } : undefined,
    },
  }),
};
