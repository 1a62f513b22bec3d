import type { ChargerInitiatedOperation } from './operation.js';
import { authorize } from './v15-v16/authorize.js';
import { bootNotification } from './v15-v16/boot-notification.js';
import { dataTransfer } from './v15-v16/data-transfer.js';
import { diagnosticsStatusNotification } from './v15-v16/diagnostics-status-notification.js';
import { firmwareStatusNotification } from './v15-v16/firmware-status-notification.js';
import { heartbeat } from './v15-v16/heartbeat.js';
import { meterValues } from './v15-v16/meter-values.js';
import { startTransaction } from './v15-v16/start-transaction.js';
import { statusNotification } from './v15-v16/status-notification.js';
import { stopTransaction } from './v15-v16/stop-transaction.js';

/**
 * Charger-initiated operations by action: OCPP 1.5 SOAP source, OCPP 1.6J target. A later source (1.2, 1.6-SOAP)
 * or target (2.0.1) is a sibling folder and a sibling table, not a change to these modules.
 */
export const chargerInitiated15to16: ReadonlyMap<string, ChargerInitiatedOperation> = new Map(
  [
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
  ].map((op) => [op.action, op as ChargerInitiatedOperation]),
);
