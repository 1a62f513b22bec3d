import { openTransactionOn, withConnector, type ChargerState } from '../charger-state.js';
import { clamp, defined, toUtc, type TranslationContext } from '../common.js';
import type { EmptyResponse15, StatusNotificationRequest15 } from '../../ocpp/v15/types.js';
import type { ChargePointStatus16, EmptyPayload, StatusNotificationRequest16 } from '../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/**
 * 1.5 statuses that exist unchanged in 1.6 (docs/translation.md#statusnotification); Occupied is inferred, see
 * occupiedAs16.
 */
const SAME_STATUS: ReadonlySet<string> = new Set(['Available', 'Faulted', 'Unavailable', 'Reserved']);

/** 1.6 allows only these on connector 0, the charge point itself (1.6 section 4.9). */
const CONNECTOR_ZERO_STATUSES: ReadonlySet<string> = new Set(['Available', 'Unavailable', 'Faulted']);

/**
 * 1.6 Occupied split (docs/translation.md#statusnotification): Charging with an open transaction, Finishing right after
 * one, else Preparing.
 */
export function occupiedAs16(state: ChargerState, connectorId: number): ChargePointStatus16 {
  if (openTransactionOn(state, connectorId)) return 'Charging';
  if (state.connectors[String(connectorId)]?.transactionJustStopped) return 'Finishing';
  return 'Preparing';
}

/** EVCommunicationError is only allowed with these statuses, as a warning (1.6 sections 4.9 and 7.6). */
const EV_COMMUNICATION_STATUSES: ReadonlySet<ChargePointStatus16> = new Set([
  'Preparing',
  'SuspendedEV',
  'SuspendedEVSE',
  'Finishing',
]);

export function statusNotificationTo16(
  req: StatusNotificationRequest15,
  state: ChargerState,
  ctx: TranslationContext,
): StatusNotificationRequest16 {
  let status: ChargePointStatus16 = SAME_STATUS.has(req.status)
    ? (req.status as ChargePointStatus16)
    : occupiedAs16(state, req.connectorId);
  if (req.connectorId === 0 && !CONNECTOR_ZERO_STATUSES.has(status)) {
    ctx.notes.push(`connector 0 reported ${req.status}, which 1.6 does not allow on connector 0: sent as Available`);
    status = 'Available';
  }
  let errorCode = req.errorCode;
  let info = req.info;
  let vendorErrorCode = req.vendorErrorCode;
  if (errorCode === 'Mode3Error') {
    // docs/translation.md#statusnotification, spec-strict Mode3Error rule.
    if (req.status === 'Occupied' && req.connectorId > 0) {
      if (!EV_COMMUNICATION_STATUSES.has(status)) status = 'SuspendedEVSE';
      errorCode = 'EVCommunicationError';
    } else {
      errorCode = 'OtherError';
      if (vendorErrorCode !== undefined && info === undefined) info = vendorErrorCode;
      vendorErrorCode = 'Mode3Error';
    }
  }
  return defined({
    connectorId: req.connectorId,
    errorCode,
    info: clamp(info, 50, 'info', ctx),
    status,
    timestamp: req.timestamp === undefined ? ctx.receivedAt : toUtc(req.timestamp, ctx.options.timezone),
    vendorId: clamp(req.vendorId, 255, 'vendorId', ctx),
    vendorErrorCode: clamp(vendorErrorCode, 50, 'vendorErrorCode', ctx),
  });
}

export const statusNotification: ChargerInitiatedOperation<
  StatusNotificationRequest15,
  EmptyResponse15,
  StatusNotificationRequest16,
  EmptyPayload
> = {
  chargerAction: 'StatusNotification',
  csmsAction: 'StatusNotification',
  toCall: (req, state, ctx) => ({ kind: 'call', payload: statusNotificationTo16(req, state, ctx) }),
  toResponse: () => ({}),
  reduce: (state, { request, call }) => ({
    state: withConnector(state, request.connectorId, (c) => ({
      ...c,
      chargerStatus: request.status,
      chargerErrorCode: request.errorCode,
      csmsStatus: call.status,
      lastStatusSent: call,
      transactionJustStopped: request.status === 'Occupied' ? c.transactionJustStopped : false,
    })),
  }),
};
