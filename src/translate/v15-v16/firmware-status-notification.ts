import type { EmptyResponse15, FirmwareStatusNotificationRequest15 } from '../ocpp15.js';
import type { EmptyPayload, FirmwareStatusNotificationRequest16 } from '../ocpp16.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/** Map B.5: the four 1.5 statuses exist unchanged in 1.6. */
export const firmwareStatusNotification: ChargerInitiatedOperation<
  FirmwareStatusNotificationRequest15,
  EmptyResponse15,
  FirmwareStatusNotificationRequest16,
  EmptyPayload
> = {
  action: 'FirmwareStatusNotification',
  storeAndForward: true,
  localResponse: () => ({}),
  toCall: (req) => ({ kind: 'call', payload: { status: req.status } }),
  toResponse: () => ({}),
  // Downloaded means installation is next; the other three statuses end the update (TriggerMessage emulation, map D.3).
  reduce: (state, { request }) => ({
    state: {
      ...state,
      firmware: request.status === 'Downloaded' && state.firmware ? { ...state.firmware, downloaded: true } : undefined,
    },
  }),
};
