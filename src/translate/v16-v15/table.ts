import type { CsmsInitiatedOperation } from '../csms-operation.js';
import { cancelReservation } from './cancel-reservation.js';
import { changeAvailability } from './change-availability.js';
import { changeConfiguration } from './change-configuration.js';
import { clearCache } from './clear-cache.js';
import { dataTransfer } from './data-transfer.js';
import { getConfiguration } from './get-configuration.js';
import { getDiagnostics } from './get-diagnostics.js';
import { getLocalListVersion } from './get-local-list-version.js';
import { remoteStartTransaction } from './remote-start-transaction.js';
import { remoteStopTransaction } from './remote-stop-transaction.js';
import { reserveNow } from './reserve-now.js';
import { reset } from './reset.js';
import { sendLocalList } from './send-local-list.js';
import { unlockConnector } from './unlock-connector.js';
import { updateFirmware } from './update-firmware.js';
import { triggerMessageOperation } from './trigger-message.js';

/** CSMS-initiated 1.6J actions with a 1.5 ChargePointService operation (docs/translation.md#csms-to-charger). */
export const csmsInitiated16to15: ReadonlyMap<string, CsmsInitiatedOperation> = new Map(
  [
    cancelReservation,
    changeAvailability,
    changeConfiguration,
    clearCache,
    dataTransfer,
    getConfiguration,
    getDiagnostics,
    getLocalListVersion,
    remoteStartTransaction,
    remoteStopTransaction,
    reserveNow,
    reset,
    sendLocalList,
    unlockConnector,
    updateFirmware,
    triggerMessageOperation,
  ].map((op) => [op.csmsAction, op as CsmsInitiatedOperation]),
);

/**
 * 1.6J actions the gateway recognises but a 1.5 charger cannot do: CALLERROR NotSupported (docs/translation.md#errors,
 * D.3; errata 3.39
 * for smart charging). SignedUpdateFirmware is deliberately not mapped to UpdateFirmware: that would drop the
 * signature check.
 */
export const NOT_SUPPORTED_ACTIONS: ReadonlySet<string> = new Set([
  'SetChargingProfile',
  'ClearChargingProfile',
  'GetCompositeSchedule',
  'CertificateSigned',
  'DeleteCertificate',
  'ExtendedTriggerMessage',
  'GetInstalledCertificateIds',
  'GetLog',
  'InstallCertificate',
  'SignedUpdateFirmware',
]);

/**
 * Profiles the gateway offers for a 1.5 charger: never SmartCharging; RemoteTrigger because it emulates TriggerMessage.
 */
export const SUPPORTED_FEATURE_PROFILES = 'Core,FirmwareManagement,LocalAuthListManagement,Reservation,RemoteTrigger';
