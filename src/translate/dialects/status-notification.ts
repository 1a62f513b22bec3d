import { openTransactionOn, type ChargerState } from '../charger-state.js';
import type { TranslationContext } from '../context.js';
import { defined, toUtc } from '../field-rules.js';
import type { ModelStatusNotification } from '../model.js';
import type { StatusNotificationRequest15 } from '../../ocpp/v15/types.js';
import type { ChargePointStatus16, StatusNotificationRequest16 } from '../../ocpp/v16/types.js';
import type { ChargerReading } from '../modules.js';

/**
 * StatusNotification in the model (docs/translation.md#statusnotification). 1.6 SOAP speaks the model's words; 1.2
 * and 1.5 report `Occupied`, which 1.6 split into finer states, and `Mode3Error`, which 1.6 dropped: the gateway
 * infers the 1.6 status from what it saw, and keeps the charger's own words in `reported`.
 */

/** 1.2/1.5 statuses that exist unchanged in 1.6; Occupied is inferred, see occupiedAs16. */
const SAME_STATUS: ReadonlySet<string> = new Set(['Available', 'Faulted', 'Unavailable', 'Reserved']);

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

/** A charger's status time in UTC; a report without one (always in 1.2) gets its arrival time. */
const statusTime = (timestamp: string | undefined, ctx: TranslationContext) =>
  timestamp === undefined ? ctx.receivedAt : toUtc(timestamp, ctx.options.timezone);

/** A 1.2 or 1.5 StatusNotification (1.2 has no info, timestamp or vendor fields) in the model. */
export function coarseStatusToModel(
  req: StatusNotificationRequest15,
  state: ChargerState,
  ctx: TranslationContext,
): ModelStatusNotification {
  let status: ChargePointStatus16 = SAME_STATUS.has(req.status)
    ? (req.status as ChargePointStatus16)
    : occupiedAs16(state, req.connectorId);
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
    info,
    status,
    timestamp: statusTime(req.timestamp, ctx),
    vendorId: req.vendorId,
    vendorErrorCode,
    reported: defined({
      status: req.status,
      errorCode: req.errorCode,
      info: req.info,
      vendorErrorCode: req.vendorErrorCode,
    }),
  });
}

const noAnswer = () => ({});

/** 1.2 and 1.5: the status inferred, the charger's words kept. */
export const coarseStatusNotification: ChargerReading<StatusNotificationRequest15, object, ModelStatusNotification> = {
  action: 'StatusNotification',
  toModel: coarseStatusToModel,
  fromModel: noAnswer,
};

/** 1.6 SOAP: the 1.6 request itself, its time in UTC. */
export const statusNotification16s: ChargerReading<StatusNotificationRequest16, object, ModelStatusNotification> = {
  action: 'StatusNotification',
  toModel: (req, _state, ctx) => defined({ ...req, timestamp: statusTime(req.timestamp, ctx) }),
  fromModel: noAnswer,
};
