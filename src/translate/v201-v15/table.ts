import type { CsmsInitiatedOperation } from '../csms-operation.js';
import { getLog, updateFirmware } from './firmware-and-logs.js';
import { getBaseReport, getReport } from './reports.js';
import { reset } from './reset.js';
import { sendLocalList } from './send-local-list.js';
import {
  cancelReservation,
  changeAvailability,
  clearCache,
  dataTransfer,
  getLocalListVersion,
  reserveNow,
} from './simple.js';
import { requestStartTransaction, requestStopTransaction, unlockConnector } from './transactions.js';
import { triggerMessage } from './trigger-message.js';
import { getVariables, setVariables } from './variables.js';

export { idleCall } from './reset.js';

/** CSMS-initiated 2.0.1 actions the gateway carries out for a 1.5 charger (docs/translation-201.md#csms-to-charger). */
export const csmsInitiated201to15: ReadonlyMap<string, CsmsInitiatedOperation> = new Map(
  [
    cancelReservation,
    changeAvailability,
    clearCache,
    dataTransfer,
    getBaseReport,
    getLocalListVersion,
    getLog,
    getReport,
    getVariables,
    requestStartTransaction,
    requestStopTransaction,
    reserveNow,
    reset,
    sendLocalList,
    setVariables,
    triggerMessage,
    unlockConnector,
    updateFirmware,
  ].map((op) => [op.csmsAction, op as CsmsInitiatedOperation]),
);

/**
 * The other CSMS-to-station actions of OCPP 2.0.1 (OCA 2.0.1 schemas): a 1.5 charger has no smart charging,
 * certificates, display messages, monitoring, cost, customer information, network profiles or firmware publishing,
 * and GetTransactionStatus needs the station's own message queue: CALLERROR NotSupported
 * (docs/translation-201.md#operations-a-15-charger-cannot-do).
 */
export const NOT_SUPPORTED_201: ReadonlySet<string> = new Set([
  'CertificateSigned',
  'ClearChargingProfile',
  'ClearDisplayMessage',
  'ClearVariableMonitoring',
  'CostUpdated',
  'CustomerInformation',
  'DeleteCertificate',
  'GetChargingProfiles',
  'GetCompositeSchedule',
  'GetDisplayMessages',
  'GetInstalledCertificateIds',
  'GetMonitoringReport',
  'GetTransactionStatus',
  'InstallCertificate',
  'PublishFirmware',
  'SetChargingProfile',
  'SetDisplayMessage',
  'SetMonitoringBase',
  'SetMonitoringLevel',
  'SetNetworkProfile',
  'SetVariableMonitoring',
  'UnpublishFirmware',
]);
