import type { ChargerState } from '../../charger-state.js';
import type { TranslationContext } from '../../context.js';
import { clamp, defined, fromCsmsTime } from '../../field-rules.js';
import type { BootNotificationRequest16, BootNotificationResponse16 } from '../../../ocpp/v16/types.js';
import type {
  BootNotificationRequest201,
  BootNotificationResponse201,
  BootReason201,
} from '../../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';

/**
 * Why the charger boots, as far as the gateway can justify it (docs/translation-201.md#bootnotification): a Reset or
 * an UpdateFirmware it relayed and the charger accepted, else Unknown; a SOAP charger never says why it booted.
 */
export function bootReason(state: ChargerState): BootReason201 {
  if (state.bootCause) return state.bootCause;
  if (state.firmware?.downloaded) return 'FirmwareUpdate';
  return 'Unknown';
}

/** The SOAP boot fields in 2.0.1's chargingStation, clamped to its limits; meterType and meterSerialNumber have no place. */
export function bootPayload(
  req: BootNotificationRequest16,
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
 * docs/translation-201.md#bootnotification. The answer is the model's (status, currentTime, interval are 1.6's); a
 * dialect without Pending tells its charger Rejected (docs/translation.md#bootnotification), and the charger's other
 * messages are refused until it is accepted.
 */
export const bootNotification: ChargerInitiatedOperation<
  BootNotificationRequest16,
  BootNotificationResponse16,
  BootNotificationRequest201,
  BootNotificationResponse201
> = {
  chargerAction: 'BootNotification',
  csmsAction: 'BootNotification',
  toCall: (req, state, ctx) => ({ kind: 'call', payload: bootPayload(req, bootReason(state), ctx) }),
  toResponse: (res) => ({ status: res.status, currentTime: fromCsmsTime(res.currentTime), interval: res.interval }),
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
