import { afterDiagnosticsStatus } from '../../model.js';
import type { ChargerInitiatedOperation } from '../../operation.js';
import type { DiagnosticsStatusNotificationRequest16, EmptyPayload } from '../../../ocpp/v16/types.js';

/**
 * docs/translation.md#diagnosticsstatusnotification: every SOAP status exists unchanged in 1.6. A final one ends the
 * outstanding upload (TriggerMessage emulation, docs/translation.md#triggermessage).
 */
export const diagnosticsStatusNotification: ChargerInitiatedOperation<
  DiagnosticsStatusNotificationRequest16,
  EmptyPayload,
  DiagnosticsStatusNotificationRequest16,
  EmptyPayload
> = {
  chargerAction: 'DiagnosticsStatusNotification',
  csmsAction: 'DiagnosticsStatusNotification',
  toCall: (req) => ({ kind: 'call', payload: { status: req.status } }),
  toResponse: () => ({}),
  reduce: (state, { request }) => ({ state: afterDiagnosticsStatus(state, request.status) }),
};
