import type { CsmsInitiatedOperation } from './csms-operation.js';
import { cancelReservation } from './v16-v15/cancel-reservation.js';
import { changeAvailability } from './v16-v15/change-availability.js';
import { changeConfiguration } from './v16-v15/change-configuration.js';
import { clearCache } from './v16-v15/clear-cache.js';
import { dataTransfer } from './v16-v15/data-transfer.js';
import { getConfiguration } from './v16-v15/get-configuration.js';
import { getDiagnostics } from './v16-v15/get-diagnostics.js';
import { getLocalListVersion } from './v16-v15/get-local-list-version.js';
import { remoteStartTransaction } from './v16-v15/remote-start-transaction.js';
import { remoteStopTransaction } from './v16-v15/remote-stop-transaction.js';
import { reserveNow } from './v16-v15/reserve-now.js';
import { reset } from './v16-v15/reset.js';
import { sendLocalList } from './v16-v15/send-local-list.js';
import { unlockConnector } from './v16-v15/unlock-connector.js';
import { updateFirmware } from './v16-v15/update-firmware.js';

/** CSMS-initiated 1.6J actions with a 1.5 ChargePointService operation (map C). */
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
  ].map((op) => [op.action, op as CsmsInitiatedOperation]),
);

/**
 * 1.6J actions the gateway recognises but a 1.5 charger cannot do: CALLERROR NotSupported (map D.2, D.3; errata 3.39
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

/** Profiles the gateway offers for a 1.5 charger: never SmartCharging; RemoteTrigger because it emulates TriggerMessage. */
export const SUPPORTED_FEATURE_PROFILES = 'Core,FirmwareManagement,LocalAuthListManagement,Reservation,RemoteTrigger';
