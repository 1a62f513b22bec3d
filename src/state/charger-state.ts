import type { BootNotificationRequest15, ChargePointStatus15 } from '../translate/ocpp15.js';
import type { ChargePointStatus16, StatusNotificationRequest16 } from '../translate/ocpp16.js';

/**
 * What the gateway remembers about one charger (translation map B.11). Plain JSON: it is stored as one document in
 * Redis (or memory) and changed only by the pure reducers in src/translate, one charger at a time.
 */
export interface ChargerState {
  identity: string;
  /** Registration as the CSMS decided it; Pending and Rejected gate every other charger message (map B.2). */
  registration?: 'Accepted' | 'Pending' | 'Rejected';
  heartbeatInterval?: number;
  /** WebSocketPingInterval set by the CSMS for this charger's upstream connection (gateway-owned key). */
  webSocketPingInterval?: number;
  lastBoot?: { at: string; request: BootNotificationRequest15; status16: 'Accepted' | 'Pending' | 'Rejected' };
  /** Keyed by connectorId as a string. */
  connectors: Record<string, ConnectorState>;
  /** Open transactions keyed by transactionId as a string. */
  transactions: Record<string, OpenTransaction>;
  /** Offline StartTransaction policy: local transaction ids handed to the charger, and the CSMS id once known. */
  localTransactions?: Record<string, { connectorId: number; idTag: string; startedAt: string; csmsId?: number }>;
  nextLocalTransactionId?: number;
  /** An accepted GetDiagnostics without a final DiagnosticsStatusNotification yet (map D.3 TriggerMessage). */
  diagnostics?: { requestedAt: string; fileName?: string };
  /** An accepted UpdateFirmware without a final FirmwareStatusNotification yet (map D.3 TriggerMessage). */
  firmware?: { requestedAt: string; retrieveDate: string; downloaded?: boolean };
}

export interface ConnectorState {
  /** Last status and error code as the charger reported them (1.5). */
  status15?: ChargePointStatus15;
  errorCode15?: string;
  /** Last status the gateway sent upstream (1.6), and the whole message, replayed on TriggerMessage. */
  status16?: ChargePointStatus16;
  lastStatusNotification?: StatusNotificationRequest16;
  /** A transaction on this connector ended and the connector has not been reported free since (map B.9 rule 2). */
  transactionJustStopped?: boolean;
}

export interface OpenTransaction {
  transactionId: number;
  connectorId: number;
  idTag: string;
  startedAt: string;
  /** idTagInfo.status of the StartTransaction answer (map B.10: DeAuthorized). */
  idTagStatus: string;
  /** A BootNotification arrived while this transaction was open (map B.10: Reboot). */
  rebootedDuringTransaction?: boolean;
  /** A command the gateway relayed and the charger accepted, which explains a later stop (map B.10). */
  stopCause?: 'Remote' | 'UnlockCommand' | 'HardReset' | 'SoftReset';
}

export function emptyChargerState(identity: string): ChargerState {
  return { identity, connectors: {}, transactions: {} };
}

export function openTransactionOn(state: ChargerState, connectorId: number): OpenTransaction | undefined {
  return Object.values(state.transactions).find((t) => t.connectorId === connectorId);
}

/** Returns a copy with one connector replaced by `update(previous)`. */
export function withConnector(state: ChargerState, connectorId: number, update: (c: ConnectorState) => ConnectorState): ChargerState {
  const key = String(connectorId);
  return { ...state, connectors: { ...state.connectors, [key]: update(state.connectors[key] ?? {}) } };
}
