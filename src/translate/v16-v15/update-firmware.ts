import { defined, fromCsmsTime } from '../common.js';
import type { EmptyResponse15, UpdateFirmwareRequest15 } from '../ocpp15.js';
import type { EmptyPayload, UpdateFirmwareRequest16 } from '../ocpp16.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';

/** Map C: same fields in WSDL order (retrieveDate, location, retries, retryInterval); the 1.5 response is empty. */
export const updateFirmware: CsmsInitiatedOperation<UpdateFirmwareRequest16, EmptyPayload, UpdateFirmwareRequest15, EmptyResponse15> = {
  action: 'UpdateFirmware',
  toSoap: (r) => ({
    kind: 'soap',
    request: defined({ retrieveDate: fromCsmsTime(r.retrieveDate), location: r.location, retries: r.retries, retryInterval: r.retryInterval }),
  }),
  fromSoap: () => ({}),
  // An update is outstanding until FirmwareStatusNotification: TriggerMessage answers Downloading/Installing (map D.3).
  reduce: (state, { soapRequest }, ctx) => ({ ...state, firmware: { requestedAt: ctx.now, retrieveDate: soapRequest.retrieveDate } }),
};
