import { createHash } from 'node:crypto';
import type { FleetApiConfig, StationMetadata } from '../config/fleet-api.js';
import type { ChargerContact } from '../state/registry.js';
import { type ChargerState, openTransactionOn } from '../translate/charger-state.js';

/** What the API says about one charger (docs/fleet-api.md#data-sources). */
export interface Station {
  identity: string;
  /** `<cpnId>:<number>`: numeric, as clients require. */
  stationId: string;
  meta: StationMetadata;
  groups: { id: number; name: string }[];
  vendor?: string;
  model?: string;
  serial?: string;
  firstBoot?: string;
  lastContact?: number;
  reachable: boolean;
  ports: { portNumber: number; status: PortStatus; chargerStatus?: string; errorCode?: string }[];
}

export type PortStatus = 'AVAILABLE' | 'INUSE' | 'UNREACHABLE' | 'UNKNOWN';

/** When the CSMS set no heartbeat interval: the charger counts as silent after twice this (seconds). */
const DEFAULT_HEARTBEAT_S = 900;

/** The station number of a charger without a configured one: the same on every instance and after restarts. */
export function derivedStationNumber(identity: string): number {
  return Number.parseInt(createHash('sha256').update(identity).digest('hex').slice(0, 12), 16);
}

/** OCPP 1.6 connector status (as sent to the CSMS) -> the API's four port states (docs/fleet-api.md#status). */
export function portStatusOf(csmsStatus: string | undefined): PortStatus {
  switch (csmsStatus) {
    case 'Available':
    case 'Reserved':
      return 'AVAILABLE';
    case 'Preparing':
    case 'Charging':
    case 'SuspendedEV':
    case 'SuspendedEVSE':
    case 'Finishing':
    case 'Occupied':
      return 'INUSE';
    default:
      return 'UNKNOWN';
  }
}

/** Silent beyond twice its heartbeat interval, or no address to call it back at: UNREACHABLE on every port. */
export function isReachable(
  state: ChargerState | undefined,
  contact: ChargerContact | undefined,
  now: number,
): boolean {
  if (!contact?.callbackUrl) return false;
  const last = Date.parse(contact.lastSoapContact);
  return Number.isFinite(last) && now - last <= 2 * (state?.heartbeatInterval || DEFAULT_HEARTBEAT_S) * 1000;
}

export function stationOf(
  identity: string,
  config: { fleetApi: FleetApiConfig; chargers: Record<string, { station?: StationMetadata }> },
  state: ChargerState | undefined,
  contact: ChargerContact | undefined,
  now: number,
): Station {
  const meta = config.chargers[identity]?.station ?? {};
  const reachable = isReachable(state, contact, now);
  const ports = Object.entries(state?.connectors ?? {})
    .map(([id, c]) => ({ portNumber: Number(id), c }))
    .filter((p) => p.portNumber >= 1)
    .sort((a, b) => a.portNumber - b.portNumber)
    .map(({ portNumber, c }) => ({
      portNumber,
      // An open transaction is a port in use, whatever status was last reported.
      status: !reachable
        ? ('UNREACHABLE' as const)
        : state && openTransactionOn(state, portNumber)
          ? ('INUSE' as const)
          : portStatusOf(c.csmsStatus ?? c.chargerStatus),
      chargerStatus: c.chargerStatus,
      errorCode: c.chargerErrorCode,
    }));
  const boot = state?.lastBoot?.request;
  const lastContact = contact ? Date.parse(contact.lastSoapContact) : Number.NaN;
  return {
    identity,
    stationId: `${config.fleetApi.cpnId}:${meta.stationNumber ?? derivedStationNumber(identity)}`,
    meta,
    groups: config.fleetApi.groups
      .filter((g) => g.chargers.includes(identity))
      .map((g) => ({ id: g.id, name: g.name })),
    vendor: boot?.chargePointVendor,
    model: boot?.chargePointModel,
    serial: boot?.chargePointSerialNumber ?? boot?.chargeBoxSerialNumber,
    lastContact: Number.isFinite(lastContact) ? lastContact : undefined,
    reachable,
    ports,
  };
}
