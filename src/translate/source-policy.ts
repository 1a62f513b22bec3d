// biome-ignore-all lint/suspicious/noExplicitAny: a policy table holds policies of every payload type; each entry narrows them.
/**
 * How the gateway treats one charger operation of a dialect, whatever the CSMS protocol: the delivery policy
 * as data (docs/architecture.md#delivery-semantics, docs/translation.md#store-and-forward). The bridge reads these
 * fields; it never branches on operation names.
 */

/** Above the per-charger queue bound: queued anyway, answered without queueing, or refused with 503. */
export type OverflowClass = 'always-queue' | 'answer-locally' | 'refuse';

/** The opt-in offline answers (docs/translation.md#offline-policies). */
export type OfflinePolicy = 'cached-authorization' | 'local-transaction';

export interface MessagePolicy<ChargerRequest = any, ChargerResponse = any> {
  action: string;
  /**
   * Answered to the charger once durably queued when the CSMS cannot answer in time, and delivered later: the answer
   * carries nothing the charger needs from the CSMS. The others are never sent once the charger was told to retry.
   */
  storeAndForward: boolean;
  overflow: OverflowClass;
  /** Refused while the CSMS has not accepted the charger's BootNotification (Pending or Rejected). */
  needsRegistration: boolean;
  /**
   * A stored message is skipped when a newer one of the same charger with the same key has arrived since: only the
   * newest status of a connector is replayed. The key names what is superseded (a connector).
   */
  supersedeKey?(request: ChargerRequest): string;
  offline?: OfflinePolicy;
  /** The request carries a transaction id that may be a local one (offline StartTransaction) to map for the CSMS. */
  carriesTransactionId?: boolean;
  /** The answer when the CSMS refuses the charger's identity (HTTP 404 on the WebSocket handshake). */
  unknownIdentityAnswer?(now: string, retryIntervalSec: number): ChargerResponse;
  /** The answer that needs no CSMS decision (store-and-forward operations only). */
  localResponse?(request: ChargerRequest, now: string): ChargerResponse;
}
