import type { CsmsInitiatedOperation } from '../csms-operation.js';
import { type CsmsModule, csmsModule } from '../modules.js';
import type { ChargerInitiatedOperation } from '../operation.js';
import { authorize } from './charger-initiated/authorize.js';
import { bootNotification } from './charger-initiated/boot-notification.js';
import { meterValues } from './charger-initiated/meter-values.js';
// docs/translation-201.md#datatransfer: the charger's DataTransfer is translated as towards 1.6 (the string goes as a
// JSON string byte for byte, 1.6's limits).
import { dataTransfer } from '../csms16/charger-initiated/data-transfer.js';
import { firmwareStatusNotification } from './charger-initiated/firmware-status-notification.js';
import { heartbeat } from './charger-initiated/heartbeat.js';
import { logStatusNotification } from './charger-initiated/log-status-notification.js';
import { startTransaction } from './charger-initiated/start-transaction.js';
import { statusNotification } from './charger-initiated/status-notification.js';
import { stopTransaction } from './charger-initiated/stop-transaction.js';
import { getLog, updateFirmware } from './csms-initiated/firmware-and-logs.js';
import { getBaseReport, getReport } from './csms-initiated/reports.js';
import { idleCall, reset } from './csms-initiated/reset.js';
import { sendLocalList } from './csms-initiated/send-local-list.js';
import { cancelReservation } from './csms-initiated/cancel-reservation.js';
import { changeAvailability } from './csms-initiated/change-availability.js';
import { clearCache } from './csms-initiated/clear-cache.js';
import { dataTransfer as dataTransferToCharger } from './csms-initiated/data-transfer.js';
import { getLocalListVersion } from './csms-initiated/get-local-list-version.js';
import { reserveNow } from './csms-initiated/reserve-now.js';
import { clearChargingProfile, getCompositeSchedule, setChargingProfile } from './csms-initiated/smart-charging.js';
import { requestStartTransaction, requestStopTransaction, unlockConnector } from './csms-initiated/transactions.js';
import { emulatedTriggerMessage, triggerMessage } from './csms-initiated/trigger-message.js';
import { getVariables, setVariables } from './csms-initiated/variables.js';

/**
 * OCPP-J 2.0.1 towards the CSMS (docs/translation-201.md). Charger-initiated operations by the model's action; the
 * CSMS action differs where 2.0.1 renamed or merged operations: Start/StopTransaction and MeterValues of a transaction
 * are TransactionEvents, DiagnosticsStatusNotification is LogStatusNotification.
 */
const chargerInitiated: ChargerInitiatedOperation[] = [
  authorize,
  bootNotification,
  dataTransfer,
  logStatusNotification,
  firmwareStatusNotification,
  heartbeat,
  meterValues,
  startTransaction,
  statusNotification,
  stopTransaction,
];

/** CSMS-initiated 2.0.1 actions the gateway carries out (docs/translation-201.md#csms-to-charger). */
const csmsInitiated: CsmsInitiatedOperation[] = [
  cancelReservation,
  changeAvailability,
  clearCache,
  clearChargingProfile,
  dataTransferToCharger,
  getBaseReport,
  getCompositeSchedule,
  getLocalListVersion,
  getLog,
  getReport,
  getVariables,
  requestStartTransaction,
  requestStopTransaction,
  reserveNow,
  reset,
  sendLocalList,
  setChargingProfile,
  setVariables,
  triggerMessage,
  unlockConnector,
  updateFirmware,
];

/**
 * The other CSMS-to-station actions of OCPP 2.0.1 (OCA 2.0.1 schemas): no SOAP charger has certificates, display
 * messages, monitoring, cost, customer information, network profiles, firmware publishing or a list of its charging
 * profiles, and GetTransactionStatus needs the station's own message queue: CALLERROR NotSupported
 * (docs/translation-201.md#operations-a-soap-charger-cannot-do).
 */
const NOT_SUPPORTED: ReadonlySet<string> = new Set([
  'CertificateSigned',
  'ClearDisplayMessage',
  'ClearVariableMonitoring',
  'CostUpdated',
  'CustomerInformation',
  'DeleteCertificate',
  'GetChargingProfiles',
  'GetDisplayMessages',
  'GetInstalledCertificateIds',
  'GetMonitoringReport',
  'GetTransactionStatus',
  'InstallCertificate',
  'PublishFirmware',
  'SetDisplayMessage',
  'SetMonitoringBase',
  'SetMonitoringLevel',
  'SetNetworkProfile',
  'SetVariableMonitoring',
  'UnpublishFirmware',
]);

export const csms201: CsmsModule = csmsModule({
  id: 'ocpp2.0.1',
  chargerInitiated,
  csmsInitiated,
  emulated: [emulatedTriggerMessage as CsmsInitiatedOperation],
  notSupported: NOT_SUPPORTED,
  // A 2.0.1 CSMS has no SupportedFeatureProfiles key.
  supportedFeatureProfiles: () => '',
  idleCall,
});
