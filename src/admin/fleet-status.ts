import type { ChargerState } from '../state/charger-state.js';
import type { ChargerContact, ChargerRegistry } from '../state/registry.js';
import type { UpstreamPool } from '../upstream/pool.js';

/** What an operator sees about one charger: both sides, what it last said, and anything stuck (issue 6). */
export interface ChargerStatus {
  identity: string;
  soap: {
    lastContact?: string;
    lastAction?: string;
    remoteAddress?: string;
    callbackUrl?: string;
    /** How the callback URL was learned: config, From, ReplyTo; missing = the CSMS cannot reach this charger. */
    callbackSource?: string;
  };
  upstream: {
    /** Only the instance that owns the charger's partition has its WebSocket. */
    ownedHere: boolean;
    state?: string;
    connectedAt?: string;
    reconnects?: number;
    lastError?: { message: string; handshakeStatus?: number; at: string };
  };
  registration?: string;
  heartbeatInterval?: number;
  lastBoot?: ChargerState['lastBoot'];
  connectors: { connectorId: number; status15?: string; errorCode15?: string; status16?: string; lastSentAt?: string }[];
  openTransactions: { transactionId: number; connectorId: number; startedAt: string; idTagStatus: string; stopCause?: string }[];
  queued: number;
  outstanding: { diagnostics?: ChargerState['diagnostics']; firmware?: ChargerState['firmware'] };
}

export function chargerStatus(identity: string, state: ChargerState | undefined, contact: ChargerContact | undefined, queued: number, upstream: UpstreamPool): ChargerStatus {
  const connection = upstream.peek(identity);
  return {
    identity,
    soap: {
      lastContact: contact?.lastSoapContact,
      lastAction: contact?.lastAction,
      remoteAddress: contact?.remoteAddress,
      callbackUrl: contact?.callbackUrl,
      callbackSource: contact?.callbackSource,
    },
    upstream: connection
      ? { ownedHere: true, state: connection.state, connectedAt: connection.connectedAt, reconnects: connection.reconnects, lastError: connection.lastError }
      : { ownedHere: false },
    registration: state?.registration,
    heartbeatInterval: state?.heartbeatInterval,
    // idTags are left out of the status view on purpose; the trace shows them masked.
    lastBoot: state?.lastBoot,
    connectors: Object.entries(state?.connectors ?? {})
      .map(([id, c]) => ({ connectorId: Number(id), status15: c.status15, errorCode15: c.errorCode15, status16: c.status16, lastSentAt: c.lastStatusNotification?.timestamp }))
      .sort((a, b) => a.connectorId - b.connectorId),
    openTransactions: Object.values(state?.transactions ?? {}).map((t) => ({
      transactionId: t.transactionId,
      connectorId: t.connectorId,
      startedAt: t.startedAt,
      idTagStatus: t.idTagStatus,
      stopCause: t.stopCause,
    })),
    queued,
    outstanding: { diagnostics: state?.diagnostics, firmware: state?.firmware },
  };
}

export async function loadChargerStatus(identity: string, registry: ChargerRegistry, upstream: UpstreamPool): Promise<ChargerStatus | undefined> {
  const [state, contact, queued] = await Promise.all([registry.load(identity), registry.contact(identity), registry.queued(identity)]);
  if (!state && !contact) return undefined;
  return chargerStatus(identity, state, contact, queued, upstream);
}
