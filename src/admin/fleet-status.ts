import type { ChargerState } from '../translate/charger-state.js';
import type { ChargerContact, ChargerRegistry, DeadLetterStore } from '../state/registry.js';
import type { SqliteStore } from '../state/sqlite-store.js';
import type { GatewayConfig } from '../config/config.js';
import type { UpstreamQueue } from '../queue/upstream-queue.js';
import type { UpstreamPool } from '../upstream/pool.js';
import { withoutUserInfo } from '../soap/callback-policy.js';
import type { FleetSnapshot } from './metrics.js';

/** What an operator sees about one charger: both sides, what it last said, and anything stuck. */
export interface ChargerStatus {
  identity: string;
  soap: {
    lastContact?: string;
    lastAction?: string;
    /** The SOAP dialect the charger last spoke (ocpp1.2-soap, ocpp1.5-soap, ocpp1.6-soap). */
    dialect?: string;
    remoteAddress?: string;
    callbackUrl?: string;
    /** How the callback URL was learned: config, From, ReplyTo; missing = the CSMS cannot reach this charger. */
    callbackSource?: string;
    /** The last changes of the callback URL, newest first, credentials removed. */
    callbackHistory?: { at: string; url: string; previous?: string; source: string; remoteAddress?: string }[];
    /** The source address pinned on first use (chargers.<id>.pinSource); only in the one-charger view. */
    pinnedSource?: string;
  };
  upstream: {
    /** Only the instance that owns the charger's partition has its WebSocket. */
    ownedHere: boolean;
    state?: string;
    connectedAt?: string;
    reconnects?: number;
    lastError?: { message: string; handshakeStatus?: number; at: string };
    /** The CSMS refuses the charger's identity at the handshake: its messages are answered 503. */
    refusal?: { status: number; at: string };
  };
  registration?: string;
  heartbeatInterval?: number;
  lastBoot?: ChargerState['lastBoot'];
  /** Each connector as the charger reported it and as the gateway sent it to the CSMS. */
  connectors: {
    connectorId: number;
    chargerStatus?: string;
    chargerErrorCode?: string;
    csmsStatus?: string;
    lastSentAt?: string;
  }[];
  openTransactions: {
    transactionId: number;
    connectorId: number;
    startedAt: string;
    idTagStatus: string;
    stopCause?: string;
  }[];
  queued: number;
  /**
   * This charger's dead letters: stored messages the CSMS kept refusing, waiting for an operator (/api/dead-letters).
   */
  deadLetters: number;
  outstanding: { diagnostics?: ChargerState['diagnostics']; firmware?: ChargerState['firmware'] };
  /** Migration routing (with a legacy system): the route, each system's open transactions, recent divergences. */
  routing?: { route: string; openTransactions: Record<string, number[]>; divergences24h: number };
}

export function chargerStatus(
  identity: string,
  state: ChargerState | undefined,
  contact: ChargerContact | undefined,
  queued: number,
  deadLetters: number,
  upstream: UpstreamPool,
): ChargerStatus {
  const connection = upstream.peek(identity);
  return {
    identity,
    soap: {
      lastContact: contact?.lastSoapContact,
      lastAction: contact?.lastAction,
      dialect: contact?.dialect,
      remoteAddress: contact?.remoteAddress,
      // Credentials in a callback URL are never shown (docs/architecture.md#callback-addresses).
      callbackUrl: contact?.callbackUrl && withoutUserInfo(contact.callbackUrl),
      callbackSource: contact?.callbackSource,
      callbackHistory: contact?.callbackHistory?.map((c) => ({
        ...c,
        url: withoutUserInfo(c.url),
        previous: c.previous && withoutUserInfo(c.previous),
      })),
    },
    upstream: connection
      ? {
          ownedHere: true,
          state: connection.state,
          connectedAt: connection.connectedAt,
          reconnects: connection.reconnects,
          lastError: connection.lastError,
          refusal: connection.refusal,
        }
      : { ownedHere: false },
    registration: state?.registration,
    heartbeatInterval: state?.heartbeatInterval,
    // idTags are left out of the status view on purpose; the trace shows them masked.
    lastBoot: state?.lastBoot,
    connectors: Object.entries(state?.connectors ?? {})
      .map(([id, c]) => ({
        connectorId: Number(id),
        chargerStatus: c.chargerStatus,
        chargerErrorCode: c.chargerErrorCode,
        csmsStatus: c.csmsStatus,
        lastSentAt: c.lastStatusSent?.timestamp,
      }))
      .sort((a, b) => a.connectorId - b.connectorId),
    openTransactions: Object.values(state?.transactions ?? {}).map((t) => ({
      transactionId: t.transactionId,
      connectorId: t.connectorId,
      startedAt: t.startedAt,
      idTagStatus: t.idTagStatus,
      stopCause: t.stopCause,
    })),
    queued,
    deadLetters,
    outstanding: { diagnostics: state?.diagnostics, firmware: state?.firmware },
  };
}

/** Dead letters per charger identity, from one read of the registry's dead letters. */
export type DeadLetterCounts = ReadonlyMap<string, number>;

export async function deadLetterCounts(deadLetters: Pick<DeadLetterStore, 'list'>): Promise<DeadLetterCounts> {
  const counts = new Map<string, number>();
  for (const entry of await deadLetters.list()) counts.set(entry.identity, (counts.get(entry.identity) ?? 0) + 1);
  return counts;
}

/** The stores a charger's status is read from. */
export type StatusStores = Pick<ChargerRegistry, 'states' | 'contacts' | 'queued' | 'deadLetters' | 'pins'>;

/**
 * One charger's status, or undefined when the gateway never heard of it. A caller that loads many (the fleet list)
 * passes the dead-letter counts it read once with deadLetterCounts(); without them they are read for this charger.
 */
export async function loadChargerStatus(
  identity: string,
  registry: StatusStores,
  upstream: UpstreamPool,
  counts?: DeadLetterCounts,
): Promise<ChargerStatus | undefined> {
  const [state, contact, queued, deadLetters] = await Promise.all([
    registry.states.load(identity),
    registry.contacts.contact(identity),
    registry.queued.count(identity),
    counts ?? deadLetterCounts(registry.deadLetters),
  ]);
  if (!state && !contact) return undefined;
  const status = chargerStatus(identity, state, contact, queued, deadLetters.get(identity) ?? 0, upstream);
  if (!counts) status.soap.pinnedSource = await registry.pins.pinnedSource(identity);
  return status;
}

/** The status of each of these chargers that the gateway knows, reading the dead letters once for all of them. */
export async function loadFleetStatus(
  identities: string[],
  registry: StatusStores,
  upstream: UpstreamPool,
): Promise<ChargerStatus[]> {
  const counts = await deadLetterCounts(registry.deadLetters);
  const chargers = await Promise.all(identities.map((id) => loadChargerStatus(id, registry, upstream, counts)));
  return chargers.filter((c): c is ChargerStatus => c !== undefined);
}

/** What a metrics scrape reads: the registry, this instance's connections, its queue and its trace. */
export interface SnapshotSources {
  config: GatewayConfig;
  registry: Pick<ChargerRegistry, 'contacts' | 'deadLetters'>;
  upstream: UpstreamPool;
  queue: UpstreamQueue;
  trace: { bufferTouchedBytes: number };
}

/** Fleet gauges for a metrics scrape: the registry, this instance's connections, its queue and its trace buffer. */
export async function fleetSnapshot(
  { config, registry, upstream, queue, trace }: SnapshotSources,
  store?: SqliteStore,
): Promise<FleetSnapshot> {
  const identities = await registry.contacts.identities();
  const contacts = await Promise.all(identities.map((id) => registry.contacts.contact(id)));
  const activeSince = Date.now() - 15 * 60_000;
  let upstreamConnected = 0;
  let upstreamReconnects = 0;
  for (const [, connection] of upstream.entries()) {
    if (connection.isOpen) upstreamConnected++;
    upstreamReconnects += connection.reconnects;
  }
  return {
    chargersKnown: identities.length,
    soapActive: contacts.filter((c) => c && Date.parse(c.lastSoapContact) >= activeSince).length,
    upstreamConnected,
    withoutCallbackUrl: identities.filter((id, i) => !contacts[i]?.callbackUrl && !config.chargers[id]?.callbackUrl)
      .length,
    upstreamReconnects,
    queues: await queue.stats(),
    queueAdded: { ...queue.added },
    deadLetters: (await registry.deadLetters.list()).length,
    store: store && { bytes: store.sizeBytes(), ...store.stats },
    traceBufferBytes: trace.bufferTouchedBytes,
  };
}
