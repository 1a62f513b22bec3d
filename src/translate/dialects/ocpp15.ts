import { OCPP15_SOAP } from '../../ocpp/dialects.js';
import type { MeterValuesRequest15, StopTransactionRequest15 } from '../../ocpp/v15/types.js';
import type { DialectModule } from '../modules.js';
import {
  getConfiguration,
  getDiagnostics,
  remoteStartTransaction,
  reserveNow,
  same,
  sendLocalList15,
  unlockConnectorAcceptedRejected,
  updateFirmware,
} from './commands.js';
import { meterValueTo16 } from './meter-values.js';
import { dialectModule } from './module.js';
import { meterValues, stopTransaction } from './readers.js';
import { coarseStatusNotification } from './status-notification.js';
import { stopReason } from './stop-reason.js';

/**
 * OCPP 1.5 SOAP (docs/translation.md#charger-to-csms, docs/translation.md#csms-to-charger): ten CentralSystemService
 * and fifteen ChargePointService operations. Meter values are attributes of `value`, StopTransaction wraps them in
 * `transactionData` and gives no reason, statuses say Occupied, and there is no Pending, TriggerMessage or smart
 * charging.
 */

const readMeterValues = meterValues<MeterValuesRequest15>((req, ctx) =>
  req.values.map((mv) => meterValueTo16(mv, ctx)),
);

/** transactionData[].values[] flattened into one 1.6 transactionData; the reason inferred. */
const stop = stopTransaction<StopTransactionRequest15>('as-sent', (req, state, ctx) => ({
  reason: stopReason(state.transactions[String(req.transactionId)], req),
  transactionData: req.transactionData.flatMap((d) => d.values).map((mv) => meterValueTo16(mv, ctx)),
}));

export const ocpp15: DialectModule = dialectModule(
  OCPP15_SOAP,
  {
    idTags: 'as-sent',
    dataTransfer: true,
    meterValues: readMeterValues,
    statusNotification: coarseStatusNotification,
    stopTransaction: stop,
  },
  [
    same('CancelReservation'),
    same('ChangeAvailability'),
    same('ChangeConfiguration'),
    same('ClearCache'),
    same('DataTransfer'),
    getConfiguration,
    getDiagnostics,
    same('GetLocalListVersion'),
    remoteStartTransaction(OCPP15_SOAP.title, false),
    same('RemoteStopTransaction'),
    reserveNow,
    same('Reset'),
    sendLocalList15,
    unlockConnectorAcceptedRejected,
    updateFirmware,
  ],
);
