import type { CsmsProtocol, SourceDialect } from '../ocpp/protocols.js';
import { emptyChargerState, type ChargerState } from '../translate/charger-state.js';
import { KeyedSerialiser } from '../util/keyed-serialiser.js';

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

/**
 * The charger registry (docs/architecture.md#charger-state). ChargerState is written only by the one consumer that
 * serialises a
 * charger's messages; contacts are written by the SOAP side on every request, so they live apart and never clobber.
 */
export interface ChargerRegistry {
  load(identity: string): Promise<ChargerState | undefined>;
  save(state: ChargerState): Promise<void>;
  /**
   * Read-modify-write of one charger's state under a per-charger lock in this process, so that a CSMS command and
   * a charger message finishing at the same time do not overwrite each other's changes.
   */
  update(identity: string, change: (state: ChargerState) => ChargerState): Promise<ChargerState>;
  /**
   * The OCPP-J Basic-auth password the CSMS set through ChangeConfiguration(AuthorizationKey); never in ChargerState.
   */
  authorizationKey(identity: string): Promise<string | undefined>;
  setAuthorizationKey(identity: string, key: string): Promise<void>;
  /**
   * A random 32-byte key of the gateway itself, by name (the relay's token key), made on first use and the same for
   * every instance and across restarts: the first instance to make it wins.
   */
  gatewayKey(name: string): Promise<Buffer>;
  /**
   * The newest message per supersede key of a charger (a connector's StatusNotification): an older stored one with the
   * same key need not be replayed (docs/translation.md#store-and-forward).
   */
  markLatest(identity: string, key: string, jobId: string): Promise<void>;
  latest(identity: string, key: string): Promise<string | undefined>;
  /** Messages of this charger queued and not yet finished (the per-charger bound). */
  queued(identity: string): Promise<number>;
  addQueued(identity: string, delta: 1 | -1): Promise<void>;
  /**
   * CSMS Authorize answers per charger, for the opt-in offline Authorize policy: idTag -> idTagInfo and when it was
   * learned.
   */
  cacheAuthorization(identity: string, idTag: string, entry: CachedAuthorization): Promise<void>;
  cachedAuthorization(identity: string, idTag: string): Promise<CachedAuthorization | undefined>;
  /**
   * A charger message arrived: record the contact (callback URL only when one was learned) and count the message as
   * queued, in one round trip; resolves with the queued count including this message and the backlog flag.
   */
  arrive(identity: string, contact: ChargerContact, options?: ArrivalOptions): Promise<Arrival>;
  /** The CSMS refused the identity at the handshake (an HTTP status), or accepts it again (undefined). */
  setRefusedByCsms(identity: string, status: number | undefined): Promise<void>;
  /**
   * The source address pinned to the charger on first use (chargers.<id>.pinSource). pinSource pins only when nothing
   * is pinned yet (the first of two racing messages wins); undefined forgets the pin (the operator's re-pin).
   */
  pinnedSource(identity: string): Promise<string | undefined>;
  pinSource(identity: string, address: string | undefined): Promise<void>;
  /** Set while a stored message of the charger waits for the CSMS; its next messages are then answered at once. */
  setBacklog(identity: string, backlog: boolean): Promise<void>;
  addDeadLetter(entry: DeadLetter): Promise<void>;
  /** Every dead letter, oldest first. */
  deadLetters(): Promise<DeadLetter[]>;
  /** Removes one (replayed or dropped by an operator); resolves with it, or undefined when there is none. */
  removeDeadLetter(id: string): Promise<DeadLetter | undefined>;
  contact(identity: string): Promise<ChargerContact | undefined>;
  identities(): Promise<string[]>;
  close(): Promise<void>;
}

/** update() for both registries: load, change, save, one charger at a time within this process. */
export class StateUpdater {
  private readonly locks = new KeyedSerialiser();

  constructor(private readonly registry: Pick<ChargerRegistry, 'load' | 'save'>) {}

  update(identity: string, change: (state: ChargerState) => ChargerState): Promise<ChargerState> {
    return new Promise<ChargerState>((resolve, reject) => {
      void this.locks.run(identity, async () => {
        try {
          const next = change((await this.registry.load(identity)) ?? emptyChargerState(identity));
          await this.registry.save(next);
          resolve(next);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }
}
