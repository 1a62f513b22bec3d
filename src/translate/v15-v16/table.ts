import type { ChargerInitiatedOperation } from '../operation.js';
import { authorize } from './authorize.js';
import { bootNotification } from './boot-notification.js';
import { dataTransfer } from './data-transfer.js';
import { diagnosticsStatusNotification } from './diagnostics-status-notification.js';
import { firmwareStatusNotification } from './firmware-status-notification.js';
import { heartbeat } from './heartbeat.js';
import { meterValues } from './meter-values.js';
import { startTransaction } from './start-transaction.js';
import { statusNotification } from './status-notification.js';
import { stopTransaction } from './stop-transaction.js';

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
  ].map((op) => [op.chargerAction, op as ChargerInitiatedOperation]),
);
