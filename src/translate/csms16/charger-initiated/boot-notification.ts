import { clamp, defined } from '../../field-rules.js';
import type { BootNotificationRequest16, BootNotificationResponse16 } from '../../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';

/**
 * docs/translation.md#bootnotification. The SOAP dialects have the same nine fields; they are clamped to the 1.6
 * limits, since a charger outside its own WSDL must still boot. The answer is the model's; a dialect without Pending
 * tells its charger Rejected (translate/dialects/readers.ts), and every other message it sends is refused until the
 * CSMS accepts it (src/bridge, Sender/SecurityError as SteVe does).
 */
export const bootNotification: ChargerInitiatedOperation<
  BootNotificationRequest16,
  BootNotificationResponse16,
  BootNotificationRequest16,
  BootNotificationResponse16
> = {
  chargerAction: 'BootNotification',
  csmsAction: 'BootNotification',
  toCall: (req, _state, ctx) => ({
    kind: 'call',
    payload: defined({
      chargePointVendor: clamp(req.chargePointVendor, 20, 'chargePointVendor', ctx)!,
      chargePointModel: clamp(req.chargePointModel, 20, 'chargePointModel', ctx)!,
      chargePointSerialNumber: clamp(req.chargePointSerialNumber, 25, 'chargePointSerialNumber', ctx),
      chargeBoxSerialNumber: clamp(req.chargeBoxSerialNumber, 25, 'chargeBoxSerialNumber', ctx),
      firmwareVersion: clamp(req.firmwareVersion, 50, 'firmwareVersion', ctx),
      iccid: clamp(req.iccid, 20, 'iccid', ctx),
      imsi: clamp(req.imsi, 20, 'imsi', ctx),
      meterType: clamp(req.meterType, 25, 'meterType', ctx),
      meterSerialNumber: clamp(req.meterSerialNumber, 25, 'meterSerialNumber', ctx),
    }),
  }),
  toResponse: (res) => res,
  reduce: (state, { request, result }, ctx) => {
    const transactions = Object.fromEntries(
      Object.entries(state.transactions).map(([id, tx]) => [id, { ...tx, rebootedDuringTransaction: true }]),
    );
    return {
      state: {
        ...state,
        registration: result.status,
        heartbeatInterval: result.status === 'Accepted' ? result.interval : state.heartbeatInterval,
        lastBoot: { at: ctx.receivedAt, request, csmsStatus: result.status },
        transactions,
      },
    };
  },
};
