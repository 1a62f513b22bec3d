import { clamp, defined, fromCsmsTime } from '../common.js';
import type { BootNotificationRequest15, BootNotificationResponse15 } from '../../ocpp/v15/types.js';
import type { BootNotificationRequest16, BootNotificationResponse16 } from '../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/**
 * docs/translation.md#bootnotification. Field limits are the same in 1.5 and 1.6; clamp anyway, a charger outside its
 * own WSDL must still boot.
 * 1.6 Pending has no 1.5 equivalent: the charger is told Rejected with heartbeatInterval = interval (a configured
 * default when the CSMS said 0, which a 1.5 charger may take literally), and every other message it sends is
 * refused until the CSMS accepts it (src/bridge, Sender/SecurityError as SteVe does).
 */
export const bootNotification: ChargerInitiatedOperation<
  BootNotificationRequest15,
  BootNotificationResponse15,
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
  toResponse: (res, _req, ctx) => {
    if (res.status === 'Accepted') {
      return { status: 'Accepted', currentTime: fromCsmsTime(res.currentTime), heartbeatInterval: res.interval };
    }
    if (res.status === 'Pending')
      ctx.notes.push('CSMS answered Pending: charger told Rejected until the CSMS accepts it');
    return {
      status: 'Rejected',
      currentTime: fromCsmsTime(res.currentTime),
      heartbeatInterval: res.interval > 0 ? res.interval : ctx.options.bootRetryIntervalSec,
    };
  },
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
