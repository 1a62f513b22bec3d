import type { ChargerInitiatedOperation } from '../operation.js';
import { authorize } from './authorize.js';
import { bootNotification } from './boot-notification.js';
import { meterValues } from './meter-values.js';
import { dataTransfer, firmwareStatusNotification, heartbeat, logStatusNotification } from './simple.js';
import { startTransaction } from './start-transaction.js';
import { statusNotification } from './status-notification.js';
import { stopTransaction } from './stop-transaction.js';

/**
 * Charger-initiated operations by the charger's action: OCPP 1.5 SOAP source, OCPP 2.0.1 target
 * (docs/translation-201.md#charger-to-csms). The CSMS action differs where 2.0.1 renamed or merged operations:
 * Start/StopTransaction and MeterValues of a transaction are TransactionEvents, DiagnosticsStatusNotification is
 * LogStatusNotification.
 */
export const chargerInitiated15to201: ReadonlyMap<string, ChargerInitiatedOperation> = new Map(
  [
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
  ].map((op) => [op.chargerAction, op as ChargerInitiatedOperation]),
);
