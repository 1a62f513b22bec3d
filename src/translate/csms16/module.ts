import type { CsmsInitiatedOperation } from '../csms-operation.js';
import { type CsmsModule, csmsModule } from '../modules.js';
import type { ChargerInitiatedOperation } from '../operation.js';
import { bootNotification } from './charger-initiated/boot-notification.js';
import { meterValues } from './charger-initiated/meter-values.js';
import { authorize } from './charger-initiated/authorize.js';
import { dataTransfer } from './charger-initiated/data-transfer.js';
import { diagnosticsStatusNotification } from './charger-initiated/diagnostics-status-notification.js';
import { firmwareStatusNotification } from './charger-initiated/firmware-status-notification.js';
import { heartbeat } from './charger-initiated/heartbeat.js';
import { startTransaction } from './charger-initiated/start-transaction.js';
import { statusNotification } from './charger-initiated/status-notification.js';
import { stopTransaction } from './charger-initiated/stop-transaction.js';
import { changeConfiguration } from './csms-initiated/change-configuration.js';
import { getConfiguration } from './csms-initiated/get-configuration.js';
import * as same from './csms-initiated/same-shape.js';
import { triggerMessageOperation } from './csms-initiated/trigger-message.js';

/**
 * OCPP-J 1.6 towards the CSMS (docs/translation.md): the model is 1.6, so charger messages go out as they were read
 * (cut to the 1.6 limits, Occupied transitions synthesised for the dialects that report Occupied) and CSMS calls are
 * the model's own, but for the configuration keys the gateway owns and TriggerMessage for a dialect without it.
 */

const chargerInitiated: ChargerInitiatedOperation[] = [
  authorize,
  bootNotification,
  dataTransfer,
  diagnosticsStatusNotification,
  firmwareStatusNotification,
  heartbeat,
  meterValues,
  startTransaction,
  statusNotification,
  stopTransaction,
];

const csmsInitiated: CsmsInitiatedOperation[] = [
  same.cancelReservation,
  same.changeAvailability,
  changeConfiguration,
  same.clearCache,
  same.dataTransfer,
  getConfiguration,
  same.getDiagnostics,
  same.getLocalListVersion,
  same.remoteStartTransaction,
  same.remoteStopTransaction,
  same.reserveNow,
  same.reset,
  same.sendLocalList,
  same.unlockConnector,
  same.updateFirmware,
  same.triggerMessage,
  same.setChargingProfile,
  same.clearChargingProfile,
  same.getCompositeSchedule,
];

/**
 * 1.6J actions of the security extension, which no SOAP charger can do: CALLERROR NotSupported
 * (docs/translation.md#operations-a-soap-charger-cannot-do). SignedUpdateFirmware is deliberately not mapped to
 * UpdateFirmware: that would drop the signature check.
 */
const NOT_SUPPORTED: ReadonlySet<string> = new Set([
  'CertificateSigned',
  'DeleteCertificate',
  'ExtendedTriggerMessage',
  'GetInstalledCertificateIds',
  'GetLog',
  'InstallCertificate',
  'SignedUpdateFirmware',
]);

/** The 1.6 feature profiles (1.6 section 3.1 / SupportedFeatureProfiles) and the operations each needs. */
const PROFILES: readonly [string, readonly string[]][] = [
  ['Core', []],
  ['FirmwareManagement', ['GetDiagnostics', 'UpdateFirmware']],
  ['LocalAuthListManagement', ['GetLocalListVersion', 'SendLocalList']],
  ['Reservation', ['ReserveNow', 'CancelReservation']],
  ['SmartCharging', ['SetChargingProfile', 'ClearChargingProfile', 'GetCompositeSchedule']],
];

export const csms16: CsmsModule = csmsModule({
  id: 'ocpp1.6',
  chargerInitiated,
  csmsInitiated,
  emulated: [triggerMessageOperation as CsmsInitiatedOperation],
  notSupported: NOT_SUPPORTED,
  // RemoteTrigger always: TriggerMessage is the charger's own or the gateway's emulation.
  supportedFeatureProfiles: (commands) =>
    [...PROFILES.filter(([, ops]) => ops.every((op) => commands.has(op))).map(([name]) => name), 'RemoteTrigger'].join(
      ',',
    ),
});
