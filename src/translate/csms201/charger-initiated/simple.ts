import { clamp, defined, fromCsmsTime } from '../common.js';
import type {
  DataTransferRequest15,
  DataTransferResponse15,
  DiagnosticsStatusNotificationRequest15,
  EmptyResponse15,
  FirmwareStatusNotificationRequest15,
  HeartbeatRequest15,
  HeartbeatResponse15,
} from '../../ocpp/v15/types.js';
import type {
  DataTransferRequest201,
  DataTransferResponse201,
  EmptyPayload201,
  FirmwareStatusNotificationRequest201,
  HeartbeatResponse201,
  LogStatusNotificationRequest201,
} from '../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/** docs/translation-201.md#heartbeat: `{}` both ways, currentTime back. */
export const heartbeat: ChargerInitiatedOperation<
  HeartbeatRequest15,
  HeartbeatResponse15,
  EmptyPayload201,
  HeartbeatResponse201
> = {
  chargerAction: 'Heartbeat',
  csmsAction: 'Heartbeat',
  toCall: () => ({ kind: 'call', payload: {} }),
  toResponse: (res) => ({ currentTime: fromCsmsTime(res.currentTime) }),
};

/**
 * docs/translation-201.md#datatransfer: 2.0.1 `data` is any JSON; the 1.5 string goes as a JSON string, byte for
 * byte, and an answer that is not a string comes back as its JSON text.
 */
export const dataTransfer: ChargerInitiatedOperation<
  DataTransferRequest15,
  DataTransferResponse15,
  DataTransferRequest201,
  DataTransferResponse201
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

/**
 * docs/translation-201.md#firmwarestatusnotification: the four 1.5 statuses exist in 2.0.1; the requestId is the
 * one of the UpdateFirmware being answered. Installed explains the boot that follows it.
 */
export const firmwareStatusNotification: ChargerInitiatedOperation<
  FirmwareStatusNotificationRequest15,
  EmptyResponse15,
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
      ...state,
      firmware: request.status === 'Downloaded' && state.firmware ? { ...state.firmware, downloaded: true } : undefined,
      bootCause: request.status === 'Installed' && state.firmware ? 'FirmwareUpdate' : state.bootCause,
    },
  }),
};

/** 1.5 DiagnosticsStatus -> 2.0.1 UploadLogStatusEnumType (docs/translation-201.md#logstatusnotification). */
const LOG_STATUS: Readonly<
  Record<DiagnosticsStatusNotificationRequest15['status'], LogStatusNotificationRequest201['status']>
> = {
  Uploaded: 'Uploaded',
  UploadFailed: 'UploadFailure',
};

/** docs/translation-201.md#logstatusnotification: DiagnosticsStatusNotification with the GetLog's requestId. */
export const logStatusNotification: ChargerInitiatedOperation<
  DiagnosticsStatusNotificationRequest15,
  EmptyResponse15,
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
  // Both 1.5 statuses are final: no upload is outstanding any more.
  reduce: (state) => ({ state: { ...state, diagnostics: undefined } }),
};
