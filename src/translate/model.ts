import type { ChargerState } from './charger-state.js';
import type { StatusNotificationRequest16 } from '../ocpp/v16/types.js';

/**
 * The pivot every translation goes through (docs/architecture.md#the-pivot): the OCPP 1.6 data model. Its messages
 * are the 1.6J payload types of ocpp/v16/types.ts, read from every charger dialect and written to every CSMS
 * protocol, with three rules:
 *
 * - times are UTC (a dialect reads the charger's zone-less times in the charger's zone);
 * - strings are not cut to the 1.6J limits (the CSMS protocol cuts to its own limits);
 * - what 1.6 cannot say but a CSMS protocol can use travels beside it, named (StatusNotification `reported`).
 */

/**
 * StatusNotification in the model: the 1.6 request, and the charger's own words where 1.6 has other ones
 * (1.2/1.5 `Occupied`, `Mode3Error`, docs/translation.md#statusnotification). OCPP 2.0.1 has Occupied again and
 * reports the charger's error code as it is (docs/translation-201.md#statusnotification).
 */
export interface ModelStatusNotification extends StatusNotificationRequest16 {
  reported?: {
    status: string;
    errorCode: string;
    info?: string;
    vendorErrorCode?: string;
  };
}

/** The status, error code and texts as the charger said them. */
export function reportedStatus(req: ModelStatusNotification): {
  status: string;
  errorCode: string;
  info?: string;
  vendorId?: string;
  vendorErrorCode?: string;
} {
  const said = req.reported;
  return said
    ? { ...said, vendorId: req.vendorId }
    : {
        status: req.status,
        errorCode: req.errorCode,
        info: req.info,
        vendorId: req.vendorId,
        vendorErrorCode: req.vendorErrorCode,
      };
}

/** The 1.6 statuses that split the earlier Occupied (1.6 section 4.9), which 2.0.1 calls Occupied again. */
export const OCCUPIED_16: ReadonlySet<string> = new Set([
  'Preparing',
  'Charging',
  'SuspendedEV',
  'SuspendedEVSE',
  'Finishing',
]);

/** A connector in use, in the words of any dialect: 1.2/1.5 Occupied or one of the 1.6 statuses that split it. */
export const isOccupied = (status: string | undefined): boolean =>
  status === 'Occupied' || (status !== undefined && OCCUPIED_16.has(status));

/**
 * A DiagnosticsStatusNotification ends the outstanding upload unless it says the upload is under way (1.6
 * Uploading); TriggerMessage answers from what is outstanding (docs/translation.md#triggermessage).
 */
export function afterDiagnosticsStatus(state: ChargerState, status: string): ChargerState {
  return status === 'Uploading' ? state : { ...state, diagnostics: undefined };
}

/**
 * A FirmwareStatusNotification: Downloaded and Installing mean the download is done, Downloading that it goes on;
 * Idle and the final statuses end the outstanding update (docs/translation.md#triggermessage).
 */
export function afterFirmwareStatus(state: ChargerState, status: string): ChargerState {
  if (status === 'Downloading') return state;
  const done = status === 'Downloaded' || status === 'Installing';
  return { ...state, firmware: done && state.firmware ? { ...state.firmware, downloaded: true } : undefined };
}

/** Heartbeat interval assumed when the CSMS never gave one (1.6 has no default; 300 s is common). */
const DEFAULT_HEARTBEAT_SEC = 300;

/**
 * Whether the charger was heard on the SOAP side within its heartbeat interval: an emulated TriggerMessage sends a
 * Heartbeat only then, since a heartbeat for a dead charger would be a lie (docs/translation.md#triggermessage).
 */
export function chargerAlive(state: ChargerState, lastSoapContact: string | undefined, now: string): boolean {
  const intervalMs = (state.heartbeatInterval ?? DEFAULT_HEARTBEAT_SEC) * 1000;
  return lastSoapContact !== undefined && Date.parse(now) - Date.parse(lastSoapContact) <= intervalMs;
}

/**
 * The firmware status an emulated TriggerMessage reports from the outstanding update: Installing after Downloaded,
 * Downloading once its retrieveDate has passed, else Idle; an inferred status is noted
 * (docs/translation.md#triggermessage).
 */
export function outstandingFirmwareStatus(state: ChargerState, ctx: { now: string; notes: string[] }): string {
  const fw = state.firmware;
  let status = 'Idle';
  if (fw?.downloaded) status = 'Installing';
  else if (fw && Date.parse(ctx.now) >= Date.parse(fw.retrieveDate)) status = 'Downloading';
  if (status !== 'Idle')
    ctx.notes.push(`FirmwareStatusNotification ${status} inferred from the outstanding UpdateFirmware`);
  return status;
}
