import { defined } from '../../field-rules.js';
import { afterFirmwareStatus } from '../../model.js';
import type { EmptyPayload, FirmwareStatusNotificationRequest16 } from '../../../ocpp/v16/types.js';
import type { EmptyPayload201, FirmwareStatusNotificationRequest201 } from '../../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';

/**
 * docs/translation-201.md#firmwarestatusnotification: the four 1.5 statuses exist in 2.0.1; the requestId is the
 * one of the UpdateFirmware being answered. Installed explains the boot that follows it.
 */
export const firmwareStatusNotification: ChargerInitiatedOperation<
  FirmwareStatusNotificationRequest16,
  EmptyPayload,
  FirmwareStatusNotificationRequest201,
  EmptyPayload201
> = {
  chargerAction: 'FirmwareStatusNotification',
  csmsAction: 'FirmwareStatusNotification',
  toCall: (req, state) => ({
    kind: 'call',
    payload: defined({ status: req.status, requestId: state.firmware?.requestId }),
  }),
  toResponse: () => ({}),
  reduce: (state, { request }) => ({
    state: {
      ...afterFirmwareStatus(state, request.status),
      bootCause: request.status === 'Installed' && state.firmware ? 'FirmwareUpdate' : state.bootCause,
    },
  }),
};
