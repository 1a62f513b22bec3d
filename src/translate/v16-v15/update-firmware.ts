import { defined, fromCsmsTime } from '../common.js';
import type { EmptyResponse15, UpdateFirmwareRequest15 } from '../../ocpp/v15/types.js';
import type { EmptyPayload, UpdateFirmwareRequest16 } from '../../ocpp/v16/types.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';

/**
 * docs/translation.md#updatefirmware: same fields in WSDL order (retrieveDate, location, retries, retryInterval); the
 * 1.5 response is empty.
 */
export const updateFirmware: CsmsInitiatedOperation<
  UpdateFirmwareRequest16,
  EmptyPayload,
  UpdateFirmwareRequest15,
  EmptyResponse15
> = {
  csmsAction: 'UpdateFirmware',
  chargerAction: 'UpdateFirmware',
  toSoap: (r) => ({
    kind: 'soap',
    request: defined({
      retrieveDate: fromCsmsTime(r.retrieveDate),
      location: r.location,
      retries: r.retries,
      retryInterval: r.retryInterval,
    }),
  }),
  fromSoap: () => ({}),
  // An update is outstanding until FirmwareStatusNotification: TriggerMessage answers Downloading/Installing
  // (docs/translation.md#triggermessage).
  reduce: (state, { soapRequest }, ctx) => ({
    ...state,
    firmware: { requestedAt: ctx.now, retrieveDate: soapRequest.retrieveDate },
  }),
};
