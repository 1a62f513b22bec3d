import type { CsmsProtocol, SourceDialect } from '../ocpp/protocols.js';
import type { SoapFault } from '../ocpp/soap-fault.js';

/** A charger-initiated message on its way to the CSMS (docs/architecture.md#the-flow). Plain JSON, stored in Redis. */
export interface UpstreamJob {
  id: string;
  /** chargeBoxIdentity as the charger sent it. */
  identity: string;
  /** The dialect the charger spoke, and the CSMS protocol the message is bridged to. */
  source: SourceDialect;
  target: CsmsProtocol;
  /** The operation as the charger named it. */
  action: string;
  /** The decoded request, in the charger's dialect. */
  request: unknown;
  /** ISO 8601 UTC time the SOAP request arrived. */
  receivedAt: string;
  /** Epoch ms after which no one waits for the answer (CSMS_TIMEOUT_MS after arrival). */
  deadline: number;
  soapMessageId?: string;
  /**
   * The charger was answered before the message was sent (stored behind a backlog, or given a local transaction id):
   * a refusal by the CSMS can no longer reach it, so the message is redelivered instead (docs/architecture.md#delivery-semantics).
   */
  acknowledged?: boolean;
  /** The transaction id the charger was given locally (offline StartTransaction policy), to map to the CSMS's. */
  localTransactionId?: number;
}

/**
 * What the waiting SOAP request answers:
 * - response: the 1.5 response translated from the CSMS answer;
 * - fault: a SOAP Fault (the charger must not resend the same message, OCPP-S section 4);
 * - stored: the CSMS is unavailable, the message is queued and will be delivered later: answer it locally
 *   (only store-and-forward operations, architecture "Delivery semantics");
 * - retry: the CSMS is unavailable and the message needs its answer: HTTP 503 without a Fault, which leaves the
 *   charger free to send it again (docs/charger-quirks.md#peer-behaviour);
 * - expired: no outcome within the deadline; `queued` says whether the job is safely in the queue.
 */
export type JobOutcome =
  | { kind: 'response'; body: object }
  | { kind: 'fault'; fault: SoapFault }
  | { kind: 'stored' }
  | { kind: 'retry'; reason: string /** false when the job never reached the queue */; queued?: false }
  | { kind: 'expired'; queued: boolean };

/**
 * Processes one job for one charger: calls `reply` as soon as the charger's answer is known, then may go on with
 * work owed to the CSMS (follow-up CALLs) before the next job of the same charger starts.
 */
export type JobProcessor = (job: UpstreamJob, reply: (outcome: JobOutcome) => void) => Promise<void>;

/**
 * Carries jobs per charger, in the order received, to one processor at a time per charger, and brings each outcome
 * back to the request that waits for it. Two implementations: embedded (one process) and BullMQ (Redis).
 */
export interface SubmitOptions {
  /**
   * Answer `stored` as soon as the message is durably queued, without waiting for its turn: a store-and-forward
   * message of a charger whose earlier message waits for the CSMS (docs/architecture.md#delivery-semantics).
   */
  storeAtOnce?: boolean;
}

/**
 * Told of each message its processor ended without an error: the message has left the queue for good, and its
 * charger's queued count drops (docs/translation.md#store-and-forward). `redisKey`: where that count is kept in Redis;
 * a message delivered directly then drops it in the script that removes its in-flight record instead of in a call of
 * its own (docs/architecture.md#direct-delivery).
 */
export interface FinishedMessages {
  finished(identity: string): void;
  redisKey?(identity: string): string | undefined;
}

export interface UpstreamQueue {
  readonly kind: 'embedded' | 'bullmq';
  /** `finished`: told of each message processed to its end (tests that do not count messages leave it out). */
  start(processor: JobProcessor, finished?: FinishedMessages): Promise<void>;
  /**
   * Resolves with the outcome, or with `expired` when the deadline passes first. A `stored` outcome is given only
   * once the message is durable.
   */
  submit(job: UpstreamJob, options?: SubmitOptions): Promise<JobOutcome>;
  /** Messages per charger found queued at start (the embedded store's undelivered ones), to count them again. */
  readonly restored?: ReadonlyMap<string, number>;
  /** Depth and oldest waiting message per partition (metrics: is anything stuck?). */
  stats(): Promise<{ partition: string; depth: number; oldestAgeSeconds: number }[]>;
  /**
   * Jobs and messages this instance put in the queue since it started. BullMQ jobs carry one or more messages of a
   * partition (group commit), so messages / jobs is the mean batch size; in the embedded queue they are equal.
   */
  readonly added: {
    jobs: number;
    messages: number /** delivered by the partition's consumer without a BullMQ job */;
    direct: number;
  };
  /**
   * Why no message can be taken now (BullMQ: no Redis primary reachable), or undefined. The embedded queue is always
   * available.
   */
  unavailable?(): string | undefined;
  /** Removes a charger's messages that no consumer has taken yet (operator action); resolves with how many. */
  dropQueued(identity: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * Thrown by a processor that is stopping with a stored message undelivered: the queue keeps it for the next consumer.
 */
export class LeftInQueue extends Error {
  override readonly name = 'LeftInQueue';
}

export const shuttingDown: JobOutcome = { kind: 'retry', reason: 'gateway is shutting down', queued: false };

/** How many times a message is tried when processing it fails inside the gateway, before it becomes a dead letter. */
export const UNEXPECTED_ATTEMPTS = 5;

/**
 * After an unexpected failure (docs/architecture.md#error-classes): whether the charger still waits for the message's
 * answer, so that the 503 it gets gives the message back to it. Not when the charger was told the message is kept,
 * nor within a second of its deadline: then the instance it waits on answers it (a stored message as stored), and the
 * clocks of two instances may differ by that much.
 */
export function givenBack(job: UpstreamJob, now = Date.now()): boolean {
  return job.acknowledged !== true && now < job.deadline - 1_000;
}

/** The answer a charger that still waits gets when its message failed inside the gateway. */
export const failedInside: JobOutcome = { kind: 'retry', reason: 'gateway failed to process the message' };
