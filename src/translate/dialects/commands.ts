import { defined, fromCsmsTime, toUtc } from '../field-rules.js';
import type {
  AuthorizationData16,
  ChargingProfile16,
  GetCompositeScheduleResponse16,
  GetDiagnosticsRequest16,
  ReserveNowRequest16,
  RemoteStartTransactionRequest16,
  SendLocalListRequest16,
  UnlockConnectorResponse16,
  UpdateFirmwareRequest16,
} from '../../ocpp/v16/types.js';
import type { ChargerCommand } from '../modules.js';
import { idTagInfoForCharger } from './readers.js';

/**
 * ChargePointService operations of the model written for a dialect (docs/translation.md#csms-to-charger), shared by
 * the dialects whose operations have the same fields. Times go to chargers in UTC `Z` form
 * (docs/translation.md#timestamps).
 */

/** An operation whose request and answer are the model's in this dialect. */
export const same = (action: string): ChargerCommand => ({
  action,
  toCharger: (request) => request,
  fromCharger: (response) => response,
});

const utc = (value: string | undefined) => (value === undefined ? undefined : fromCsmsTime(value));

/**
 * Operations whose requests carry times, written in the order of the WSDLs (the same in 1.2, 1.5 and 1.6), times in
 * UTC; the answer is the model's.
 */
export const getDiagnostics: ChargerCommand<GetDiagnosticsRequest16> = {
  action: 'GetDiagnostics',
  toCharger: (r) =>
    defined({
      location: r.location,
      startTime: utc(r.startTime),
      stopTime: utc(r.stopTime),
      retries: r.retries,
      retryInterval: r.retryInterval,
    }),
  fromCharger: (response) => response,
};

export const reserveNow: ChargerCommand<ReserveNowRequest16> = {
  action: 'ReserveNow',
  toCharger: (r) =>
    defined({
      connectorId: r.connectorId,
      expiryDate: utc(r.expiryDate),
      idTag: r.idTag,
      parentIdTag: r.parentIdTag,
      reservationId: r.reservationId,
    }),
  fromCharger: (response) => response,
};

export const updateFirmware: ChargerCommand<UpdateFirmwareRequest16> = {
  action: 'UpdateFirmware',
  toCharger: (r) =>
    defined({
      retrieveDate: utc(r.retrieveDate),
      location: r.location,
      retries: r.retries,
      retryInterval: r.retryInterval,
    }),
  fromCharger: () => ({}),
};

/** GetConfiguration: every requested key, or all of them when the list is empty; the answer's lists as they come. */
export const getConfiguration: ChargerCommand = {
  action: 'GetConfiguration',
  toCharger: (request: { key?: string[] }) => ({ key: request.key ?? [] }),
  fromCharger: (response) => response,
};

/** A charging profile for a SOAP charger: its times in UTC, numbers as they are (the codec writes DecimalOne). */
export function profileForCharger(profile: ChargingProfile16): ChargingProfile16 {
  const schedule = profile.chargingSchedule;
  return defined({
    ...profile,
    validFrom: utc(profile.validFrom),
    validTo: utc(profile.validTo),
    chargingSchedule: defined({ ...schedule, startSchedule: utc(schedule.startSchedule) }),
  });
}

/**
 * RemoteStartTransaction. A dialect without smart charging (1.2, 1.5) drops a chargingProfile, as 1.6 section 5.11
 * says a charge point without smart charging should ignore it; 1.6 SOAP carries it.
 */
export function remoteStartTransaction(title: string, smartCharging: boolean): ChargerCommand {
  return {
    action: 'RemoteStartTransaction',
    toCharger: (request: RemoteStartTransactionRequest16, ctx) => {
      if (request.chargingProfile && !smartCharging)
        ctx.notes.push(`RemoteStartTransaction chargingProfile dropped: ${title} has no smart charging`);
      return defined({
        connectorId: request.connectorId,
        idTag: request.idTag,
        chargingProfile:
          smartCharging && request.chargingProfile ? profileForCharger(request.chargingProfile) : undefined,
      });
    },
    fromCharger: (response) => ({ status: response.status }),
  };
}

/**
 * GetCompositeSchedule (1.6 SOAP): the charger's times in UTC, read in its configured zone when they have none
 * (docs/translation.md#timestamps).
 */
export const getCompositeSchedule: ChargerCommand = {
  action: 'GetCompositeSchedule',
  toCharger: (request) => request,
  fromCharger: (response: GetCompositeScheduleResponse16, ctx) => {
    const zone = ctx.options?.timezone ?? 'Z';
    const inUtc = (value: string | undefined) => (value === undefined ? undefined : toUtc(value, zone));
    const schedule = response.chargingSchedule;
    return defined({
      ...response,
      scheduleStart: inUtc(response.scheduleStart),
      chargingSchedule: schedule && defined({ ...schedule, startSchedule: inUtc(schedule.startSchedule) }),
    });
  },
};

/** SetChargingProfile (1.6 SOAP): `csChargingProfiles`, as 1.6J names it. */
export const setChargingProfile: ChargerCommand = {
  action: 'SetChargingProfile',
  toCharger: (request: { connectorId: number; csChargingProfiles: ChargingProfile16 }) => ({
    connectorId: request.connectorId,
    csChargingProfiles: profileForCharger(request.csChargingProfiles),
  }),
  fromCharger: (response) => ({ status: response.status }),
};

const entryForCharger = (entry: AuthorizationData16) =>
  defined({ idTag: entry.idTag, idTagInfo: entry.idTagInfo && idTagInfoForCharger(entry.idTagInfo) });

/** SendLocalList in 1.6 SOAP: the 1.6 fields, expiry dates in UTC. */
export const sendLocalList16s: ChargerCommand = {
  action: 'SendLocalList',
  toCharger: (r: SendLocalListRequest16) => ({
    listVersion: r.listVersion,
    localAuthorizationList: (r.localAuthorizationList ?? []).map(entryForCharger),
    updateType: r.updateType,
  }),
  fromCharger: (response) => ({ status: response.status }),
};

/**
 * SendLocalList in 1.5: `localAuthorisationList` (British spelling), WSDL order, no hash (as SteVe); 1.6 has no hash,
 * so a HashError is a Failed update (docs/translation.md#sendlocallist).
 */
export const sendLocalList15: ChargerCommand = {
  action: 'SendLocalList',
  toCharger: (r: SendLocalListRequest16) => ({
    updateType: r.updateType,
    listVersion: r.listVersion,
    localAuthorisationList: (r.localAuthorizationList ?? []).map(entryForCharger),
  }),
  fromCharger: (response: { status: string }) => ({
    status: response.status === 'HashError' ? 'Failed' : response.status,
  }),
};

/** 1.2/1.5 UnlockStatus -> 1.6 UnlockStatus (docs/translation.md#unlockconnector). */
const UNLOCK_STATUS: Readonly<Record<string, UnlockConnectorResponse16['status']>> = {
  Accepted: 'Unlocked',
  Rejected: 'UnlockFailed',
};

/** UnlockConnector of 1.2 and 1.5, whose charger answers Accepted or Rejected. */
export const unlockConnectorAcceptedRejected: ChargerCommand = {
  action: 'UnlockConnector',
  toCharger: (request: { connectorId: number }) => ({ connectorId: request.connectorId }),
  fromCharger: (response: { status: string }) => ({ status: UNLOCK_STATUS[response.status] ?? 'UnlockFailed' }),
};
