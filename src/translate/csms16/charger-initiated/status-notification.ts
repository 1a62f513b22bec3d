import { withConnector } from '../../charger-state.js';
import type { TranslationContext } from '../../context.js';
import { clamp, defined } from '../../field-rules.js';
import { isOccupied, reportedStatus, type ModelStatusNotification } from '../../model.js';
import type { EmptyPayload, StatusNotificationRequest16 } from '../../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';

/** 1.6 allows only these on connector 0, the charge point itself (1.6 section 4.9). */
const CONNECTOR_ZERO_STATUSES: ReadonlySet<string> = new Set(['Available', 'Unavailable', 'Faulted']);

/**
 * The model's StatusNotification as a 1.6J CALL (docs/translation.md#statusnotification): texts clamped to the 1.6
 * limits, and connector 0 only in a status 1.6 allows there (a 1.5 charger's Occupied or Reserved is Available).
 */
export function statusNotificationCall(
  req: ModelStatusNotification,
  ctx: Pick<TranslationContext, 'notes'>,
): StatusNotificationRequest16 {
  let status = req.status;
  if (req.connectorId === 0 && !CONNECTOR_ZERO_STATUSES.has(status)) {
    ctx.notes.push(
      `connector 0 reported ${reportedStatus(req).status}, which 1.6 does not allow on connector 0: sent as Available`,
    );
    status = 'Available';
  }
  return defined({
    connectorId: req.connectorId,
    errorCode: req.errorCode,
    info: clamp(req.info, 50, 'info', ctx),
    status,
    timestamp: req.timestamp,
    vendorId: clamp(req.vendorId, 255, 'vendorId', ctx),
    vendorErrorCode: clamp(req.vendorErrorCode, 50, 'vendorErrorCode', ctx),
  });
}

export const statusNotification: ChargerInitiatedOperation<
  ModelStatusNotification,
  EmptyPayload,
  StatusNotificationRequest16,
  EmptyPayload
> = {
  chargerAction: 'StatusNotification',
  csmsAction: 'StatusNotification',
  toCall: (req, _state, ctx) => ({ kind: 'call', payload: statusNotificationCall(req, ctx) }),
  toResponse: () => ({}),
  // The charger's status in its own words; a connector reported in use keeps the just-stopped flag (Finishing).
  reduce: (state, { request, call }) => {
    const said = reportedStatus(request);
    return {
      state: withConnector(state, request.connectorId, (c) => ({
        ...c,
        chargerStatus: said.status,
        chargerErrorCode: said.errorCode,
        csmsStatus: call.status,
        lastStatusSent: call,
        transactionJustStopped: isOccupied(said.status) ? c.transactionJustStopped : false,
      })),
    };
  },
};
