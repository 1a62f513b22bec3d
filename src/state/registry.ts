import type { CsmsProtocol, SourceDialect } from '../ocpp/protocols.js';
import type { ChargerState } from '../translate/charger-state.js';

export interface CachedAuthorization {
  idTagInfo: { status: string; expiryDate?: string; parentIdTag?: string };
  at: string;
}

/** Where a charger's callback URL came from: the configuration, or the WS-Addressing header it was learned from. */
export type CallbackSource = 'config' | 'From' | 'ReplyTo';

/** What the SOAP side learns on every message, written by whichever instance received it. */
export interface ChargerContact {
  lastSoapContact: string;
  lastAction: string;
  remoteAddress?: string;
  /** Undefined while no usable callback address is known (docs/charger-quirks.md#q2-missing-or-useless-wsafrom). */
  callbackUrl?: string;
  callbackSource?: CallbackSource;
  /** The dialect the charger spoke in its last message, and the CSMS protocol its messages are bridged to. */
  dialect?: SourceDialect;
  csmsProtocol?: CsmsProtocol;
  /** The last changes of the callback URL, newest first (docs/architecture.md#callback-addresses). */
  callbackHistory?: CallbackChange[];
}

/** One change of a charger's callback URL, as operators see it. */
export interface CallbackChange {
  at: string;
  url: string;
  previous?: string;
  source: CallbackSource;
  remoteAddress?: string;
}

/** How many callback changes a charger's history keeps. */
export const CALLBACK_HISTORY = 10;

/** A charger message arrived: its charger's queued count including it, and what else the ingress must know. */
export interface Arrival {
  queued: number;
  /** An earlier message of the charger was stored and waits for the CSMS (docs/architecture.md#delivery-semantics). */
  backlog: boolean;
  /** A new identity beyond MAX_CHARGERS: nothing was recorded, the message is refused. */
  overLimit?: boolean;
  /** The callback URL changed with this message (the previous one, if any). */
  callbackChanged?: { previous?: string };
  /** The CSMS refuses this identity at the WebSocket handshake, with this HTTP status. */
  refusedByCsms?: number;
}

/** What the SOAP side learned with one message. */
export interface ArrivalOptions {
  /** Known identities at most (MAX_CHARGERS): a new identity beyond it is not recorded. */
  maxChargers: number;
}

/**
 * A stored message the CSMS kept refusing (CALLERROR or an invalid answer) for longer than the redelivery bound: kept
 * for an operator to replay or drop, never discarded without a trace.
 */
export interface DeadLetter {
  /** The message's id. */
  id: string;
  identity: string;
  action: string;
  /** The queued message as it was (an UpstreamJob). */
  message: object;
  /** The CSMS's last answer, e.g. "CALLERROR InternalError: ...". */
  reason: string;
  attempts: number;
  firstRejectedAt: string;
  deadAt: string;
}

/** A charger's state (docs/architecture.md#charger-state), written only by the consumer that serialises its messages. */
export interface StateStore {
  load(identity: string): Promise<ChargerState | undefined>;
  save(state: ChargerState): Promise<void>;
  /**
   * Read-modify-write of one charger's state under a per-charger lock in this process, so that a CSMS command and
   * a charger message finishing at the same time do not overwrite each other's changes.
   */
  update(identity: string, change: (state: ChargerState) => ChargerState): Promise<ChargerState>;
}

/**
 * What the SOAP side learns about each charger on every message, written by whichever instance received it, with the
 * flags every message must read: the backlog flag and the CSMS's refusal.
 */
export interface ContactStore {
  /**
   * A charger message arrived: record the contact (callback URL only when one was learned, with its change history)
   * and count the message as queued, resolving with the queued count including this message and the flags. One
   * operation over two stores (contacts and queued counts) because every message pays it: with Redis it is one
   * script in one round trip instead of six commands (bench/README.md counts a message's round trips), and the
   * MAX_CHARGERS check cannot race the recording.
   */
  arrive(identity: string, contact: ChargerContact, options?: ArrivalOptions): Promise<Arrival>;
  contact(identity: string): Promise<ChargerContact | undefined>;
  /** Every known identity (one that sent a message or has a state), sorted. */
  identities(): Promise<string[]>;
  /** The CSMS refused the identity at the handshake (an HTTP status), or accepts it again (undefined). */
  setRefusedByCsms(identity: string, status: number | undefined): Promise<void>;
  /** Set while a stored message of the charger waits for the CSMS; its next messages are then answered at once. */
  setBacklog(identity: string, backlog: boolean): Promise<void>;
}

/** Messages of each charger queued and not yet finished (the per-charger bound); `arrive` counts one in. */
export interface QueuedCountStore {
  count(identity: string): Promise<number>;
  /** Never below 0 (a message finished twice after a crash is uncounted twice). */
  add(identity: string, delta: 1 | -1): Promise<void>;
  /** Redis: the key of the charger's count, which other scripts may change in the same call (addQueuedLua). */
  key?(identity: string): string;
}

/** Messages the CSMS kept refusing, kept for an operator (docs/architecture.md#delivery-semantics). */
export interface DeadLetterStore {
  add(entry: DeadLetter): Promise<void>;
  /** Every dead letter, oldest first. */
  list(): Promise<DeadLetter[]>;
  /** Removes one (replayed or dropped by an operator); resolves with it, or undefined when there is none. */
  remove(id: string): Promise<DeadLetter | undefined>;
}

/**
 * The source address pinned to the charger on first use (chargers.<id>.pinSource). pinSource pins only when nothing
 * is pinned yet (the first of two racing messages wins); undefined forgets the pin (the operator's re-pin).
 */
export interface SourcePinStore {
  pinnedSource(identity: string): Promise<string | undefined>;
  pinSource(identity: string, address: string | undefined): Promise<void>;
}

/** CSMS Authorize answers per charger and idTag, with when they were learned, for the opt-in offline Authorize policy. */
export interface AuthorizationCache {
  put(identity: string, idTag: string, entry: CachedAuthorization): Promise<void>;
  get(identity: string, idTag: string): Promise<CachedAuthorization | undefined>;
}

/** Keys the gateway keeps secret: never in ChargerState, never shown by the status API, sealed at rest. */
export interface SecretStore {
  /** The OCPP-J Basic-auth password the CSMS set through ChangeConfiguration(AuthorizationKey). */
  authorizationKey(identity: string): Promise<string | undefined>;
  setAuthorizationKey(identity: string, key: string): Promise<void>;
  /**
   * A random 32-byte key of the gateway itself, by name (the relay's token key), made on first use and the same for
   * every instance and across restarts: the first instance to make it wins.
   */
  gatewayKey(name: string): Promise<Buffer>;
}

/**
 * The newest message per supersede key of a charger (a connector's StatusNotification): an older stored one with the
 * same key need not be replayed (docs/translation.md#store-and-forward).
 */
export interface SupersedeIndex {
  markLatest(identity: string, key: string, jobId: string): Promise<void>;
  latest(identity: string, key: string): Promise<string | undefined>;
}

/**
 * The charger registry (docs/architecture.md#charger-state): one store per concern, each behind the same backends
 * (memory, the embedded store, Redis). States are written only by the one consumer that serialises a charger's
 * messages; contacts are written by the SOAP side on every request, so they live apart and never clobber.
 */
export interface ChargerRegistry {
  readonly states: StateStore;
  readonly contacts: ContactStore;
  readonly queued: QueuedCountStore;
  readonly deadLetters: DeadLetterStore;
  readonly pins: SourcePinStore;
  readonly authorizations: AuthorizationCache;
  readonly secrets: SecretStore;
  readonly supersede: SupersedeIndex;
  close(): Promise<void>;
}
