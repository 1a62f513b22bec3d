import { clamp, defined, fromCsmsTime } from '../../field-rules.js';
import type { CsmsInitiatedOperation } from '../../csms-operation.js';
import type {
  EmptyPayload,
  GetDiagnosticsRequest16,
  GetDiagnosticsResponse16,
  UpdateFirmwareRequest16,
} from '../../../ocpp/v16/types.js';
import type {
  GetLogRequest201,
  GetLogResponse201,
  StatusResponse201,
  UpdateFirmwareRequest201,
} from '../../../ocpp/v201/csms-initiated.js';

type UpdateFirmwareStatus201 =
  | 'Accepted'
  | 'Rejected'
  | 'AcceptedCanceled'
  | 'InvalidCertificate'
  | 'RevokedCertificate';

/**
 * docs/translation-201.md#updatefirmware: location and retrieveDateTime as 1.5 location and retrieveDate. A signed
 * firmware is Rejected: a 1.5 charger would install it without checking the signature. The requestId is remembered
 * for the FirmwareStatusNotifications that follow.
 */
export const updateFirmware: CsmsInitiatedOperation<
  UpdateFirmwareRequest201,
  StatusResponse201<UpdateFirmwareStatus201>,
  UpdateFirmwareRequest16,
  EmptyPayload
> = {
  csmsAction: 'UpdateFirmware',
  chargerAction: 'UpdateFirmware',
  toSoap: (r, _state, ctx) => {
    if (r.firmware.signature !== undefined || r.firmware.signingCertificate !== undefined) {
      return {
        kind: 'answer',
        result: {
          status: 'Rejected',
          statusInfo: {
            reasonCode: 'NoSignatureCheck',
            additionalInfo: 'an OCPP 1.x charger cannot verify a firmware signature',
          },
        },
      };
    }
    if (r.firmware.installDateTime !== undefined)
      ctx.notes.push('UpdateFirmware installDateTime dropped: a 1.x charger installs when it has downloaded');
    return {
      kind: 'soap',
      request: defined({
        retrieveDate: fromCsmsTime(r.firmware.retrieveDateTime),
        location: r.firmware.location,
        retries: r.retries,
        retryInterval: r.retryInterval,
      }),
    };
  },
  fromSoap: () => ({ status: 'Accepted' }),
  reduce: (state, { request }, ctx) => ({
    ...state,
    firmware: {
      requestedAt: ctx.now,
      retrieveDate: fromCsmsTime(request.firmware.retrieveDateTime),
      requestId: request.requestId,
    },
  }),
};

/**
 * docs/translation-201.md#getlog: a DiagnosticsLog is a 1.5 GetDiagnostics (remoteLocation, oldest and latest
 * timestamps); the file name comes back as filename. No file name means nothing will be uploaded: Rejected. A
 * SecurityLog does not exist in 1.5: Rejected without asking the charger.
 */
export const getLog: CsmsInitiatedOperation<
  GetLogRequest201,
  GetLogResponse201,
  GetDiagnosticsRequest16,
  GetDiagnosticsResponse16
> = {
  csmsAction: 'GetLog',
  chargerAction: 'GetDiagnostics',
  toSoap: (r) => {
    if (r.logType !== 'DiagnosticsLog')
      return { kind: 'answer', result: { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedLogType' } } };
    return {
      kind: 'soap',
      request: defined({
        location: r.log.remoteLocation,
        startTime: r.log.oldestTimestamp === undefined ? undefined : fromCsmsTime(r.log.oldestTimestamp),
        stopTime: r.log.latestTimestamp === undefined ? undefined : fromCsmsTime(r.log.latestTimestamp),
        retries: r.retries,
        retryInterval: r.retryInterval,
      }),
    };
  },
  fromSoap: (response, _request, ctx) => {
    if (response.fileName === undefined) return { status: 'Rejected', statusInfo: { reasonCode: 'NoLogAvailable' } };
    return { status: 'Accepted', filename: clamp(response.fileName, 255, 'fileName', ctx) };
  },
  reduce: (state, { request, result }, ctx) =>
    result.status === 'Accepted'
      ? {
          ...state,
          diagnostics: defined({ requestedAt: ctx.now, fileName: result.filename, requestId: request.requestId }),
        }
      : state,
};
