import type { ChargerState } from '../charger-state.js';
import { clamp, defined, fromCsmsTime, type TranslationContext } from '../common.js';
import type { BootNotificationRequest15, BootNotificationResponse15 } from '../../ocpp/v15/types.js';
import type { BootNotificationRequest201, BootNotificationResponse201, BootReason201 } from '../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/**
 * Why the charger boots, as far as the gateway can justify it (docs/translation-201.md#bootnotification): a Reset or
 * an UpdateFirmware it relayed and the charger accepted, else Unknown; a 1.5 charger never says why it booted.
 */
export function bootReason(state: ChargerState): BootReason201 {
  if (state.bootCause) return state.bootCause;
  if (state.firmware?.downloaded) return 'FirmwareUpdate';
  return 'Unknown';
}

/** The 1.5 boot fields in 2.0.1's chargingStation, clamped to its limits; meterType and meterSerialNumber have no place. */
export function bootPayload(
  req: BootNotificationRequest15,
  reason: BootReason201,
  ctx: Pick<TranslationContext, 'notes'>,
): BootNotificationRequest201 {
  const modem =
    req.iccid !== undefined || req.imsi !== undefined
      ? defined({ iccid: clamp(req.iccid, 20, 'iccid', ctx), imsi: clamp(req.imsi, 20, 'imsi', ctx) })
      : undefined;
  return {
    chargingStation: defined({
      model: clamp(req.chargePointModel, 20, 'chargePointModel', ctx)!,
      vendorName: clamp(req.chargePointVendor, 50, 'chargePointVendor', ctx)!,
      serialNumber: clamp(req.chargePointSerialNumber ?? req.chargeBoxSerialNumber, 25, 'serialNumber', ctx),
      firmwareVersion: clamp(req.firmwareVersion, 50, 'firmwareVersion', ctx),
      modem,
    }),
    reason,
  };
}

/**
 * docs/translation-201.md#bootnotification. The answer follows the 1.6 rules (docs/translation.md#bootnotification):
 * Pending and Rejected reach the 1.5 charger as Rejected, and its other messages are refused until it is accepted.
 */
export const bootNotification: ChargerInitiatedOperation<
  BootNotificationRequest15,
  BootNotificationResponse15,
  BootNotificationRequest201,
  BootNotificationResponse201
> = {
  chargerAction: 'BootNotification',
  csmsAction: 'BootNotification',
  toCall: (req, state, ctx) => ({ kind: 'call', payload: bootPayload(req, bootReason(state), ctx) }),
  toResponse: (res, _req, ctx) => {
    if (res.status === 'Accepted')
      return { status: 'Accepted', currentTime: fromCsmsTime(res.currentTime), heartbeatInterval: res.interval };
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
    const accepted = result.status === 'Accepted';
    return {
      state: {
        ...state,
        registration: result.status,
        heartbeatInterval: accepted ? result.interval : state.heartbeatInterval,
        lastBoot: { at: ctx.receivedAt, request, csmsStatus: result.status },
        transactions,
        // The cause is told once: the boot the CSMS accepted was the one it explains.
        bootCause: accepted ? undefined : state.bootCause,
      },
    };
  },
};
