import type { DiagnosticsStatusNotificationRequest15, EmptyResponse15 } from '../ocpp15.js';
import type { DiagnosticsStatusNotificationRequest16, EmptyPayload } from '../ocpp16.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/** Map B.4: the two 1.5 statuses exist unchanged in 1.6. */
export const diagnosticsStatusNotification: ChargerInitiatedOperation<
  DiagnosticsStatusNotificationRequest15,
  EmptyResponse15,
  DiagnosticsStatusNotificationRequest16,
  EmptyPayload
> = {
  action: 'DiagnosticsStatusNotification',
  storeAndForward: true,
  localResponse: () => ({}),
  toCall: (req) => ({ kind: 'call', payload: { status: req.status } }),
  toResponse: () => ({}),
  // Both 1.5 statuses are final: no upload is outstanding any more (TriggerMessage emulation, map D.3).
  reduce: (state) => ({ state: { ...state, diagnostics: undefined } }),
};
