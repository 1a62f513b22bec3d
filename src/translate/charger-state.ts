import type { BootNotificationRequest16, IdTagInfo16 } from '../ocpp/v16/types.js';

/**
 * What the gateway remembers about one charger (docs/architecture.md#charger-state). Plain JSON: it is stored as one
 * document in Redis (or the embedded store) and changed only by the pure reducers of the translation tables, one
 * charger at a time. Field names say which side a value belongs to (the charger's or the CSMS's), not a version.
 */
export interface ChargerState {
  identity: string;
  /**
   * Registration as the CSMS decided it; Pending and Rejected gate the charger's other messages
   * (docs/translation.md#bootnotification).
   */
  registration?: 'Accepted' | 'Pending' | 'Rejected';
  heartbeatInterval?: number;
  /** WebSocketPingInterval set by the CSMS for this charger's upstream connection (gateway-owned key). */
  webSocketPingInterval?: number;
  lastBoot?: { at: string; request: BootNotificationRequest16; csmsStatus: 'Accepted' | 'Pending' | 'Rejected' };
  /** Keyed by connectorId as a string. */
  connectors: Record<string, ConnectorState>;
  /** Open transactions keyed by transactionId as a string. */
  transactions: Record<string, OpenTransaction>;
  /** Offline StartTransaction policy: local transaction ids handed to the charger, and the CSMS id once known. */
  localTransactions?: Record<string, { connectorId: number; idTag: string; startedAt: string; csmsId?: number }>;
  nextLocalTransactionId?: number;
  /**
   * An accepted GetDiagnostics without a final DiagnosticsStatusNotification yet (docs/translation.md#triggermessage).
   */
  diagnostics?: { requestedAt: string; fileName?: string /** the 2.0.1 GetLog's requestId */; requestId?: number };
  /** An accepted UpdateFirmware without a final FirmwareStatusNotification yet (docs/translation.md#triggermessage). */
  firmware?: {
    requestedAt: string;
    retrieveDate: string;
    downloaded?: boolean /** the 2.0.1 UpdateFirmware's requestId */;
    requestId?: number;
  };
  /** OCPP 2.0.1 upstream: the next integer transaction id the gateway gives the charger (docs/translation-201.md#transaction-ids). */
  nextChargerTransactionId?: number;
  /**
   * OCPP 2.0.1: accepted RequestStartTransactions by EVSE id ("*" when the CSMS named none), until the charger's
   * StartTransaction (docs/translation-201.md#requeststarttransaction).
   */
  remoteStarts?: Record<string, { remoteStartId: number; idTag: string; at: string }>;
  /** OCPP 2.0.1: the CSMS's last Authorize answer per idTag, as the charger got it (docs/translation-201.md#starttransaction). */
  authorizations?: Record<string, IdTagInfo16>;
  /** OCPP 2.0.1: the cause of the charger's next boot, when the gateway relayed it (docs/translation-201.md#bootnotification). */
  bootCause?: 'RemoteReset' | 'FirmwareUpdate';
  /** OCPP 2.0.1: the eventId of the next NotifyEvent (docs/translation-201.md#statusnotification). */
  nextEventId?: number;
  /** OCPP 2.0.1: a Reset OnIdle answered Scheduled, sent as Soft once no transaction is open (docs/translation-201.md#reset). */
  scheduledReset?: { at: string };
}

/** A StatusNotification payload as it was sent to the CSMS, replayed on TriggerMessage. */
export interface SentStatusNotification {
  readonly timestamp?: string;
}

export interface ConnectorState {
  /** Last status and error code as the charger reported them. */
  chargerStatus?: string;
  chargerErrorCode?: string;
  /** Last status the gateway sent the CSMS, and the whole message. */
  csmsStatus?: string;
  lastStatusSent?: SentStatusNotification;
  /**
   * A transaction on this connector ended and the connector has not been reported free since
   * (docs/translation.md#statusnotification).
   */
  transactionJustStopped?: boolean;
}

export interface OpenTransaction {
  transactionId: number;
  connectorId: number;
  idTag: string;
  startedAt: string;
  /** idTagInfo.status of the StartTransaction answer (docs/translation.md#stoptransaction: DeAuthorized). */
  idTagStatus: string;
  /** A BootNotification arrived while this transaction was open (docs/translation.md#stoptransaction: Reboot). */
  rebootedDuringTransaction?: boolean;
  /** A command the gateway relayed and the charger accepted, which explains a later stop. */
  stopCause?: 'Remote' | 'UnlockCommand' | 'HardReset' | 'SoftReset';
  /** OCPP 2.0.1 upstream: the transactionId the CSMS knows (docs/translation-201.md#transaction-ids). */
  csmsTransactionId?: string;
  /** OCPP 2.0.1: the seqNo of this transaction's next TransactionEvent (docs/translation-201.md#seqno). */
  nextSeqNo?: number;
  /**
   * OCPP 2.0.1: the latest charger messages given a seqNo of this transaction, newest last: a message processed again
   * (delivered again after a restart, or overtaken by a later one at shutdown) keeps its own (docs/translation-201.md#seqno).
   */
  reservedEvents?: { messageId: string; seqNo: number }[];
}

export function emptyChargerState(identity: string): ChargerState {
  return { identity, connectors: {}, transactions: {} };
}

export function openTransactionOn(state: ChargerState, connectorId: number): OpenTransaction | undefined {
  return Object.values(state.transactions).find((t) => t.connectorId === connectorId);
}

/** Returns a copy with one connector replaced by `update(previous)`. */
export function withConnector(
  state: ChargerState,
  connectorId: number,
  update: (c: ConnectorState) => ConnectorState,
): ChargerState {
  const key = String(connectorId);
  return { ...state, connectors: { ...state.connectors, [key]: update(state.connectors[key] ?? {}) } };
}

interface LegacyConnectorState {
  status15?: string;
  errorCode15?: string;
  status16?: string;
  lastStatusNotification?: SentStatusNotification;
}

/**
 * A state as stored, read back: states written before the field names were made version-neutral (status15, status16,
 * lastStatusNotification, lastBoot.status16) are renamed once, on read.
 */
export function storedChargerState(stored: ChargerState): ChargerState {
  const boot = stored.lastBoot as
    | (ChargerState['lastBoot'] & { status16?: 'Accepted' | 'Pending' | 'Rejected' })
    | undefined;
  const legacyConnectors = Object.values(stored.connectors).some(
    (c) => 'status16' in c || 'status15' in c || 'lastStatusNotification' in c,
  );
  if (!legacyConnectors && !(boot && boot.status16 !== undefined)) return stored;
  const connectors: Record<string, ConnectorState> = {};
  for (const [id, c] of Object.entries(stored.connectors as Record<string, ConnectorState & LegacyConnectorState>)) {
    const { status15, errorCode15, status16, lastStatusNotification, ...rest } = c;
    connectors[id] = {
      ...rest,
      chargerStatus: rest.chargerStatus ?? status15,
      chargerErrorCode: rest.chargerErrorCode ?? errorCode15,
      csmsStatus: rest.csmsStatus ?? status16,
      lastStatusSent: rest.lastStatusSent ?? lastStatusNotification,
    };
  }
  let lastBoot = stored.lastBoot;
  if (boot && boot.status16 !== undefined) {
    const { status16, ...bootRest } = boot;
    lastBoot = { ...bootRest, csmsStatus: bootRest.csmsStatus ?? status16 };
  }
  return { ...stored, connectors, lastBoot };
}
