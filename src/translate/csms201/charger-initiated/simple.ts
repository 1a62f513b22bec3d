import { defined, fromCsmsTime } from '../../common.js';
import { afterDiagnosticsStatus, afterFirmwareStatus } from '../../model.js';
import type {
  DiagnosticsStatusNotificationRequest16,
  EmptyPayload,
  FirmwareStatusNotificationRequest16,
  HeartbeatResponse16,
} from '../../../ocpp/v16/types.js';
import type {
  EmptyPayload201,
  FirmwareStatusNotificationRequest201,
  HeartbeatResponse201,
  LogStatusNotificationRequest201,
} from '../../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';

/** docs/translation-201.md#heartbeat: `{}` both ways, currentTime back. */
export const heartbeat: ChargerInitiatedOperation<
  EmptyPayload,
  HeartbeatResponse16,
  EmptyPayload201,
  HeartbeatResponse201
> = {
  chargerAction: 'Heartbeat',
  csmsAction: 'Heartbeat',
  toCall: () => ({ kind: 'call', payload: {} }),
  toResponse: (res) => ({ currentTime: fromCsmsTime(res.currentTime) }),
};

/**
 * docs/translation-201.md#datatransfer: 2.0.1 `data` is any JSON; the charger's string goes as a JSON string, byte for
 * byte, and an answer that is not a string comes back as its JSON text; the limits are 1.6's. The same as towards 1.6.
 */
export { dataTransfer } from '../../csms16/charger-initiated/simple.js';

/**
 * docs/translation-201.md#firmwarestatusnotification: the four 1.5 statuses exist in 2.0.1; the requestId is the
 * one of the UpdateFirmware being answered. Installed explains the boot that follows it.
 */
export const firmwareStatusNotification: ChargerInitiatedOperation<
  FirmwareStatusNotificationRequest16,
  EmptyPayload,
  FirmwareStatusNotificationRequest201,
  EmptyPayload201
> = {
  chargerAction: 'FirmwareStatusNotification',
  csmsAction: 'FirmwareStatusNotification',
  toCall: (req, state) => ({
    kind: 'call',
    payload: defined({ status: req.status, requestId: state.firmware?.requestId }),
  }),
  toResponse: () => ({}),
  reduce: (state, { request }) => ({
    state: {
      ...afterFirmwareStatus(state, request.status),
      bootCause: request.status === 'Installed' && state.firmware ? 'FirmwareUpdate' : state.bootCause,
    },
  }),
};

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
