import type { OpenTransaction } from '../../../../src/translate/charger-state.js';
import { endReasons as endReasonsOfModel } from '../../../../src/translate/csms201/charger-initiated/stop-transaction.js';
import { stopReason } from '../../../../src/translate/dialects/stop-reason.js';
import { translationTables } from '../../../../src/translate/tables.js';

/**
 * The operations of the OCPP 1.5 SOAP -> OCPP 2.0.1 protocol pair under the names the tests use, as the bridge gets
 * them: composed from the 1.5 dialect module and the 2.0.1 module (docs/architecture.md#the-pivot).
 */
const tables = translationTables('ocpp1.5-soap', 'ocpp2.0.1')!;
const charger = (action: string) => tables.chargerInitiated.get(action)!;

export const chargerInitiated15to201 = tables.chargerInitiated;
export const csmsInitiated201to15 = tables.csmsInitiated;
export const NOT_SUPPORTED_201 = tables.notSupported;
export const idleCall = tables.idleCall!;

export const authorize = charger('Authorize');
export const bootNotification = charger('BootNotification');
export const dataTransfer = charger('DataTransfer');
export const firmwareStatusNotification = charger('FirmwareStatusNotification');
export const heartbeat = charger('Heartbeat');
export const logStatusNotification = charger('DiagnosticsStatusNotification');
export const meterValues = charger('MeterValues');
export const startTransaction = charger('StartTransaction');
export const statusNotification = charger('StatusNotification');
export const stopTransaction = charger('StopTransaction');

/** Why a 1.5 charger's transaction ended, in 2.0.1 words: the 1.5 dialect's inference, then the 2.0.1 mapping. */
export const endReasons = (tx: OpenTransaction | undefined, req: { idTag?: string }) =>
  endReasonsOfModel(stopReason(tx, req), req.idTag);
