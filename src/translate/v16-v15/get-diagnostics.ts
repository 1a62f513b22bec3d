import { clamp, defined, fromCsmsTime } from '../common.js';
import type { GetDiagnosticsRequest15, GetDiagnosticsResponse15 } from '../../ocpp/v15/types.js';
import type { GetDiagnosticsRequest16, GetDiagnosticsResponse16 } from '../../ocpp/v16/types.js';
import type { CsmsInitiatedOperation } from '../csms-operation.js';

/**
 * docs/translation.md#getdiagnostics: same fields in WSDL order (location, startTime, stopTime, retries,
 * retryInterval); fileName clamped to 255.
 */
export const getDiagnostics: CsmsInitiatedOperation<
  GetDiagnosticsRequest16,
  GetDiagnosticsResponse16,
  GetDiagnosticsRequest15,
  GetDiagnosticsResponse15
> = {
  csmsAction: 'GetDiagnostics',
  chargerAction: 'GetDiagnostics',
  toSoap: (r) => ({
    kind: 'soap',
    request: defined({
      location: r.location,
      startTime: r.startTime === undefined ? undefined : fromCsmsTime(r.startTime),
      stopTime: r.stopTime === undefined ? undefined : fromCsmsTime(r.stopTime),
      retries: r.retries,
      retryInterval: r.retryInterval,
    }),
  }),
  fromSoap: (response, _request, ctx) => defined({ fileName: clamp(response.fileName, 255, 'fileName', ctx) }),
  // An upload is now outstanding until DiagnosticsStatusNotification: TriggerMessage answers Uploading
  // (docs/translation.md#triggermessage).
  reduce: (state, { result }, ctx) => ({
    ...state,
    diagnostics: defined({ requestedAt: ctx.now, fileName: result.fileName }),
  }),
};
