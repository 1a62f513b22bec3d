import { defined } from '../../field-rules.js';
import { afterDiagnosticsStatus } from '../../model.js';
import type { DiagnosticsStatusNotificationRequest16, EmptyPayload } from '../../../ocpp/v16/types.js';
import type { EmptyPayload201, LogStatusNotificationRequest201 } from '../../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';

/** DiagnosticsStatus -> 2.0.1 UploadLogStatusEnumType (docs/translation-201.md#logstatusnotification). */
const LOG_STATUS: Readonly<
  Record<DiagnosticsStatusNotificationRequest16['status'], LogStatusNotificationRequest201['status']>
> = {
  Idle: 'Idle',
  Uploaded: 'Uploaded',
  UploadFailed: 'UploadFailure',
  Uploading: 'Uploading',
};

/** docs/translation-201.md#logstatusnotification: DiagnosticsStatusNotification with the GetLog's requestId. */
export const logStatusNotification: ChargerInitiatedOperation<
  DiagnosticsStatusNotificationRequest16,
  EmptyPayload,
  LogStatusNotificationRequest201,
  EmptyPayload201
> = {
  chargerAction: 'DiagnosticsStatusNotification',
  csmsAction: 'LogStatusNotification',
  toCall: (req, state) => ({
    kind: 'call',
    payload: defined({ status: LOG_STATUS[req.status], requestId: state.diagnostics?.requestId }),
  }),
  toResponse: () => ({}),
  reduce: (state, { request }) => ({ state: afterDiagnosticsStatus(state, request.status) }),
};
