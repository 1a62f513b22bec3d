import { OCPP12_SOAP } from '../../ocpp/dialects.js';
import type { MeterValuesRequest12, StopTransactionRequest12 } from '../../ocpp/v12/types.js';
import type { DialectModule } from '../modules.js';
import {
  getDiagnostics,
  remoteStartTransaction,
  same,
  unlockConnectorAcceptedRejected,
  updateFirmware,
} from './commands.js';
import { meterValue12 } from './meter-values.js';
import { dialectModule } from './module.js';
import { meterValues, stopTransaction } from './readers.js';
import { coarseStatusNotification } from './status-notification.js';
import { stopReason } from './stop-reason.js';

/**
 * OCPP 1.2 SOAP (docs/translation.md#ocpp-12-chargers): nine CentralSystemService operations (no DataTransfer) and
 * nine ChargePointService operations (no reservations, local list, GetConfiguration or DataTransfer). What 1.2 lacks
 * is filled as the 1.5 translation fills it: statuses inferred from Occupied, StatusNotification time added, stop
 * reasons inferred; its integer meter readings are energy registers; idTags, unbounded in 1.2, are cut to 20.
 */

/** No transactionId in 1.2: the CSMS protocol fills in the transaction open on the connector. */
const readMeterValues = meterValues<MeterValuesRequest12>((req, ctx) => req.values.map((mv) => meterValue12(mv, ctx)));

const stop = stopTransaction<StopTransactionRequest12>('clamped', (req, state) => ({
  reason: stopReason(state.transactions[String(req.transactionId)], req),
}));

export const ocpp12: DialectModule = dialectModule(
  OCPP12_SOAP,
  {
    idTags: 'clamped',
    dataTransfer: false,
    meterValues: readMeterValues,
    statusNotification: coarseStatusNotification,
    stopTransaction: stop,
  },
  [
    same('ChangeAvailability'),
    same('ChangeConfiguration'),
    same('ClearCache'),
    getDiagnostics,
    remoteStartTransaction(OCPP12_SOAP.title, false),
    same('RemoteStopTransaction'),
    same('Reset'),
    unlockConnectorAcceptedRejected,
    updateFirmware,
  ],
);
