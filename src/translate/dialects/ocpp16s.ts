import { OCPP16_SOAP } from '../../ocpp/dialects.js';
import type { MeterValuesRequest16 } from '../../ocpp/v16/types.js';
import type { StopTransactionRequest16s } from '../../ocpp/v16s/types.js';
import type { DialectModule } from '../modules.js';
import {
  getCompositeSchedule,
  getConfiguration,
  getDiagnostics,
  remoteStartTransaction,
  reserveNow,
  same,
  sendLocalList16s,
  setChargingProfile,
  updateFirmware,
} from './commands.js';
import { meterValue16s } from './meter-values.js';
import { dialectModule } from './module.js';
import { meterValues, stopTransaction } from './readers.js';
import { statusNotification16s } from './status-notification.js';

/**
 * OCPP 1.6 over SOAP (docs/translation.md#ocpp-16-soap-chargers): the 1.6 data model in XML, so the model is read
 * as it is: statuses, error codes, Pending, StopTransaction reason and every sampled value attribute pass unchanged.
 * Its nineteen ChargePointService operations include TriggerMessage and smart charging, carried out natively.
 */

const readMeterValues = meterValues<MeterValuesRequest16>((req, ctx) =>
  req.meterValue.map((mv) => meterValue16s(mv, ctx)),
);

/** The charger's own reason (absent means Local, 1.6 section 4.10) and transactionData as MeterValues. */
const stop = stopTransaction<StopTransactionRequest16s>('as-sent', (req, _state, ctx) => ({
  reason: req.reason,
  transactionData: req.transactionData.map((mv) => meterValue16s(mv, ctx)),
}));

export const ocpp16s: DialectModule = dialectModule(
  OCPP16_SOAP,
  {
    idTags: 'as-sent',
    dataTransfer: true,
    meterValues: readMeterValues,
    statusNotification: statusNotification16s,
    stopTransaction: stop,
  },
  [
    same('CancelReservation'),
    same('ChangeAvailability'),
    same('ChangeConfiguration'),
    same('ClearCache'),
    same('ClearChargingProfile'),
    same('DataTransfer'),
    getConfiguration,
    getCompositeSchedule,
    getDiagnostics,
    same('GetLocalListVersion'),
    remoteStartTransaction(OCPP16_SOAP.title, true),
    same('RemoteStopTransaction'),
    reserveNow,
    same('Reset'),
    sendLocalList16s,
    setChargingProfile,
    same('TriggerMessage'),
    same('UnlockConnector'),
    updateFirmware,
  ],
);
