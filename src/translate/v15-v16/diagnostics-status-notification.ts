import type { DiagnosticsStatusNotificationRequest15, EmptyResponse15 } from '../../ocpp/v15/types.js';
import type { DiagnosticsStatusNotificationRequest16, EmptyPayload } from '../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/** docs/translation.md#diagnosticsstatusnotification: the two 1.5 statuses exist unchanged in 1.6. */
export const diagnosticsStatusNotification: ChargerInitiatedOperation<
  DiagnosticsStatusNotificationRequest15,
  EmptyResponse15,
  DiagnosticsStatusNotificationRequest16,
  EmptyPayload
> = {
  chargerAction: 'DiagnosticsStatusNotification',
  csmsAction: 'DiagnosticsStatusNotification',
  toCall: (req) => ({ kind: 'call', payload: { status: req.status } }),
  toResponse: () => ({}),
  // Both 1.5 statuses are final: no upload is outstanding any more (TriggerMessage emulation,
  // docs/translation.md#triggermessage).
  reduce: (state) => ({ state: { ...state, diagnostics: undefined } }),
};
