import type { Logger } from '../util/log.js';
import type { CsmsProtocolModule } from '../ocpp/protocols.js';

/** What an upstream connection is told at creation and what its calls end in. */
export interface UpstreamOptions {
  /** CSMS_URL; the identity is appended percent-encoded (OCPP-J 1.6 section 3.1.1). */
  csmsUrl: string;
  /** Identity towards the CSMS (URL path and Basic-auth user name). */
  identity: string;
  /** The OCPP-J version spoken on this connection: subprotocol and error code spellings. */
  protocol: CsmsProtocolModule;
  /** Basic-auth password (security profiles 1 and 2). Never logged. */
  password?: string;
  ca?: Buffer;
  /** Client certificate and key (security profile 3: one per charger, A00.FR.404/405). */
  clientCertificate?: { cert: Buffer; key: Buffer };
  pingIntervalSec: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  logger: Logger;
  /** Handles a CSMS-initiated CALL; resolves the CALLRESULT payload or throws RpcError for a CALLERROR. */
  onCall(action: string, payload: Record<string, unknown>, messageId: string): Promise<CsmsCallOutcome>;
  /** The CSMS refused the identity at the handshake (HTTP 4xx), or accepts it again (undefined). */
  onRefusal?(status: number | undefined): void;
  /** Per-connection settings read at every connection attempt (a CSMS may have changed them since). */
  settings?(): Promise<{ password?: string; pingIntervalSec?: number }>;
  /**
   * Whether this instance may send the charger's messages to the CSMS now (with Redis: it owns the charger's
   * partition and knows its lease is still valid, docs/architecture.md#fencing). Asked right before every CALL is
   * written and again when the written frames leave the process; a CALL refused fails with UpstreamError 'fenced'. A
   * connection opened while it held does not reconnect by itself once it no longer does. Default: always.
   */
  mayDeliver?(): boolean;
}

export interface CsmsCallOutcome {
  payload: object;
  /** Runs once the CALLRESULT is on the wire (TriggerMessage: respond before sending, 1.6 section 5.17). */
  afterReply?(): void;
}

/** 'fenced': not sent, this instance may no longer deliver the charger's messages (UpstreamOptions.mayDeliver). */
export type UpstreamFailure = 'timeout' | 'unavailable' | 'closed' | 'fenced';

/** The CSMS could not be asked or did not answer in time; not a CSMS decision. */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly kind: UpstreamFailure,
    message: string,
    /** HTTP status of a refused WebSocket handshake (404 = unknown identity, OCPP-J 1.6 section 3.2). */
    readonly handshakeStatus?: number,
  ) {
    super(message);
  }
}

/** A handshake the CSMS answered with HTTP 4xx: it refuses the identity (unknown, or its credentials are wrong). */
export function refusesIdentity(handshakeStatus: number | undefined): handshakeStatus is number {
  return handshakeStatus !== undefined && handshakeStatus >= 400 && handshakeStatus < 500;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

/**
 * An identity the CSMS refuses at the handshake (HTTP 4xx: unknown, or its credentials are wrong) is tried again only
 * this often: reconnecting at the usual backoff would hammer the CSMS for nothing.
 */
export const REFUSED_RETRY_MS = 10 * 60_000;
