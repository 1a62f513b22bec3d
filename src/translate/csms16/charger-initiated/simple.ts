import { checkIdTag, clamp, defined } from '../../common.js';
import { afterDiagnosticsStatus, afterFirmwareStatus } from '../../model.js';
import type { ChargerInitiatedOperation } from '../../operation.js';
import type {
  AuthorizeRequest16,
  AuthorizeResponse16,
  DataTransferRequest16,
  DataTransferResponse16,
  DiagnosticsStatusNotificationRequest16,
  EmptyPayload,
  FirmwareStatusNotificationRequest16,
  HeartbeatResponse16,
} from '../../../ocpp/v16/types.js';

/** docs/translation.md#authorize: 1:1 both ways; an idTag over 1.6's 20 characters is refused. */
export const authorize: ChargerInitiatedOperation<
  AuthorizeRequest16,
  AuthorizeResponse16,
  AuthorizeRequest16,
  AuthorizeResponse16
> = {
  chargerAction: 'Authorize',
  csmsAction: 'Authorize',
  toCall: (req) => ({ kind: 'call', payload: { idTag: checkIdTag(req.idTag, 'idTag') } }),
  toResponse: (res) => res,
};

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

/**
 * docs/translation.md#heartbeat: `{}` <-> empty element; currentTime 1:1. Forwarded, so the CSMS sees liveness and sets
 * the clock.
 */
export const heartbeat: ChargerInitiatedOperation<
  EmptyPayload,
  HeartbeatResponse16,
  EmptyPayload,
  HeartbeatResponse16
> = {
  chargerAction: 'Heartbeat',
  csmsAction: 'Heartbeat',
  toCall: () => ({ kind: 'call', payload: {} }),
  toResponse: (res) => res,
};
