import type * as V15 from '../../../src/ocpp/v15/types.js';
import type * as V16 from '../../../src/ocpp/v16/types.js';
import type { ChargerState } from '../../../src/translate/charger-state.js';
import type { TranslationContext } from '../../../src/translate/context.js';
import type { ChargerInitiatedOperation } from '../../../src/translate/operation.js';
import { translationTables } from '../../../src/translate/tables.js';

/**
 * The operations of the OCPP 1.5 SOAP -> OCPP 1.6J protocol pair under the names the tests use, as the bridge gets
 * them: composed from the 1.5 dialect module and the 1.6J module (docs/architecture.md#the-pivot).
 */
const tables = translationTables('ocpp1.5-soap', 'ocpp1.6')!;
const charger = <Req, Res, Call, Result>(action: string) =>
  tables.chargerInitiated.get(action)! as ChargerInitiatedOperation<Req, Res, Call, Result>;
type Empty = Record<string, never>;

export const chargerInitiated15to16 = tables.chargerInitiated;
export const csmsInitiated16to15 = tables.csmsInitiated;
export const NOT_SUPPORTED_ACTIONS = tables.notSupported;

export const authorize = charger<
  V15.AuthorizeRequest15,
  V15.AuthorizeResponse15,
  V16.AuthorizeRequest16,
  V16.AuthorizeResponse16
>('Authorize');
export const bootNotification = charger<
  V15.BootNotificationRequest15,
  V15.BootNotificationResponse15,
  V16.BootNotificationRequest16,
  V16.BootNotificationResponse16
>('BootNotification');
export const dataTransfer = charger<
  V15.DataTransferRequest15,
  V15.DataTransferResponse15,
  V16.DataTransferRequest16,
  V16.DataTransferResponse16
>('DataTransfer');
export const diagnosticsStatusNotification = charger<
  V15.DiagnosticsStatusNotificationRequest15,
  Empty,
  V16.DiagnosticsStatusNotificationRequest16,
  Empty
>('DiagnosticsStatusNotification');
export const firmwareStatusNotification = charger<
  V15.FirmwareStatusNotificationRequest15,
  Empty,
  V16.FirmwareStatusNotificationRequest16,
  Empty
>('FirmwareStatusNotification');
export const heartbeat = charger<Empty, V15.HeartbeatResponse15, Empty, V16.HeartbeatResponse16>('Heartbeat');
export const meterValues = charger<V15.MeterValuesRequest15, Empty, V16.MeterValuesRequest16, Empty>('MeterValues');
export const startTransaction = charger<
  V15.StartTransactionRequest15,
  V15.StartTransactionResponse15,
  V16.StartTransactionRequest16,
  V16.StartTransactionResponse16
>('StartTransaction');
export const statusNotification = charger<
  V15.StatusNotificationRequest15,
  Empty,
  V16.StatusNotificationRequest16,
  Empty
>('StatusNotification');
export const stopTransaction = charger<
  V15.StopTransactionRequest15,
  V15.StopTransactionResponse15,
  V16.StopTransactionRequest16,
  V16.StopTransactionResponse16
>('StopTransaction');

export const changeConfiguration = tables.csmsInitiated.get('ChangeConfiguration')!;
export const getConfiguration = tables.csmsInitiated.get('GetConfiguration')!;

/** The 1.6J StatusNotification CALL of a 1.5 request. */
export function statusNotificationTo16(
  req: V15.StatusNotificationRequest15,
  s: ChargerState,
  ctx: TranslationContext,
): V16.StatusNotificationRequest16 {
  const out = statusNotification.toCall(req, s, ctx);
  if (out.kind !== 'call') throw new Error('StatusNotification was answered by the gateway');
  return out.payload;
}
