import type { GatewayConfig } from '../config/config.js';
import type { SourceDialect } from '../ocpp/protocols.js';
import { faultOf, type SoapFault } from '../ocpp/soap-fault.js';
import type { CallbackSource } from '../state/registry.js';
import type { Logger } from '../util/log.js';
import { Admission, type AdmissionObserver, type SourcePins } from './admission.js';
import { CallbackPolicy, type CallbackVerdict, type RefusalRule } from './callback-policy.js';
import type { SoapHeaders } from './headers.js';
import {
  type DecodedRequest,
  type Exchange,
  type Refusal,
  type ServiceFacts,
  type SoapService,
  type SoapServiceObserver,
  SoapPipeline,
} from './soap-pipeline.js';
import { type Identified, overlongIdentity, type RequestHead } from './service-wire.js';

export type { SoapExchangeEvent } from './soap-pipeline.js';
import { knockOf, type PendingChargers } from './pending-knock.js';
import { isoTime } from '../util/iso-time.js';

/** A charger request the endpoint decoded, handed to the bridge. */
export interface ChargerMessage {
  identity: string;
  dialect: SourceDialect;
  /** The operation, as the dialect's WSDL names it. */
  action: string;
  /** The decoded request body (plain object as the WSDL describes it). */
  request: unknown;
  /** When the request arrived: epoch ms and ISO 8601 UTC. */
  arrivedAt: number;
  receivedAt: string;
  soapMessageId?: string;
  remoteAddress?: string;
  /** The callback URL the message offered, if the callback policy accepted it. */
  callback?: { url: string; source: CallbackSource };
}

/** The bridge's answer: a response body, a SOAP Fault, or "retry later" (HTTP 503 without a Fault). */
export type ChargerAnswer = (
  | { kind: 'response'; body: object }
  | { kind: 'fault'; fault: SoapFault }
  | { kind: 'retry'; reason: string }
) & {
  /** The upstream job the message became, to put the SOAP beside its OCPP-J in the trace. */
  jobId?: string;
};

/** Where decoded charger messages go (the bridge's ingress). */
export interface ChargerMessageSink {
  accept(message: ChargerMessage): Promise<ChargerAnswer>;
}

export interface EndpointObserver extends AdmissionObserver, SoapServiceObserver {
  /** A charger offered a callback URL the policy refused (docs/architecture.md#callback-addresses). */
  onCallbackRefused?(identity: string, rule: RefusalRule): void;
}

const SOAP_PATH = /^\/centralsystemservice\/?$/i;

/**
 * POST /CentralSystemService: terminates SOAP chargers (docs/architecture.md#the-flow), as the CentralSystemService of
 * the SOAP server pipeline (soap-pipeline.ts). Its own steps: the identity from the chargeBoxIdentity header, the
 * charger's pinned dialect and admission before decoding, the callback policy after, then the bridge.
 */
export class CentralSystemEndpoint implements SoapService {
  readonly facts: ServiceFacts = {
    half: 'centralSystem',
    title: 'the OCPP SOAP endpoint',
    logPrefix: '',
    noIdentity: 'the chargeBoxIdentity SOAP header is missing or empty',
  };
  readonly address: string;
  readonly callbacks: CallbackPolicy;
  private readonly admission: Admission;
  private readonly pipeline: SoapPipeline;
  /** The HTTP handler of POST and GET /CentralSystemService. */
  readonly handle: SoapPipeline['handle'];

  constructor(
    private readonly config: GatewayConfig,
    private readonly sink: ChargerMessageSink,
    private readonly logger: Logger,
    private readonly observer: EndpointObserver = {},
    pins?: SourcePins,
    private readonly pending?: PendingChargers,
  ) {
    this.address = config.publicUrl;
    this.callbacks = new CallbackPolicy(config);
    this.admission = new Admission(config, logger, pins, observer, pending);
    this.pipeline = new SoapPipeline(this, config.maxBodyBytes, logger, observer);
    this.handle = this.pipeline.handle;
  }

  /** Whether a path is the SOAP endpoint (case-insensitive, docs/charger-quirks.md#q16-lower-cased-endpoint-path). */
  static matches(path: string): boolean {
    return SOAP_PATH.test(path);
  }

  identify(headers: SoapHeaders): Identified {
    const identity = headers.chargeBoxIdentity;
    const fault = overlongIdentity(identity, this.config.maxIdentityLength);
    return fault ? { fault } : { identity };
  }

  /** A charger pinned to a dialect speaks only it; then admission (docs/architecture.md#charger-identities). */
  async admit({ identity, dialect, op, body }: RequestHead, { req, started }: Exchange): Promise<Refusal | undefined> {
    const pinned = this.config.chargers[identity]?.dialect;
    if (pinned && pinned !== dialect.id) {
      const reason = `charger ${identity} is pinned to ${pinned} (chargers.${identity}.dialect); this message is ${dialect.id}`;
      return { kind: 'fault', fault: faultOf('ProtocolError', reason) };
    }
    const admission = await this.admission.check(identity, req);
    if (admission.kind === 'refused') {
      // ADMISSION=approve: an unlisted identity is recorded for an operator (docs/operations.md#onboarding-chargers).
      if (admission.unlisted) this.pending?.knocked(knockOf(identity, started, req, dialect.id, op.name, body));
      return { kind: 'fault', fault: admission.fault };
    }
    if (admission.kind === 'throttled') {
      const headers = { 'Retry-After': String(admission.retryAfterSec) };
      return { kind: 'plain', status: 429, reason: admission.reason, headers };
    }
    return undefined;
  }

  dispatch(decoded: DecodedRequest, { req, started }: Exchange): Promise<ChargerAnswer> {
    const { identity, headers } = decoded;
    const remoteAddress = req.socket.remoteAddress;
    const verdict = this.callbacks.judge(identity, headers, remoteAddress);
    if (verdict.kind === 'refused') this.callbackRefused(identity, verdict, remoteAddress);
    return this.sink.accept({
      identity,
      dialect: decoded.dialect.id,
      action: decoded.op.name,
      request: decoded.request,
      arrivedAt: started,
      receivedAt: isoTime(started),
      soapMessageId: decoded.messageId,
      remoteAddress,
      callback: verdict.kind === 'accepted' ? { url: verdict.url, source: verdict.source } : undefined,
    });
  }

  /** A refused callback address: the charger keeps its previous one; logged once a minute per charger and reason. */
  private callbackRefused(
    identity: string,
    verdict: Extract<CallbackVerdict, { kind: 'refused' }>,
    remoteAddress: string | undefined,
  ): void {
    this.observer.onCallbackRefused?.(identity, verdict.rule);
    if (!this.pipeline.complaints.shouldLog(`${identity}:callback:${verdict.reason}`)) return;
    this.logger.warn(
      {
        chargeBoxIdentity: identity,
        offered: verdict.url,
        header: verdict.source,
        remoteAddress,
        reason: verdict.reason,
      },
      `callback URL ${verdict.url} refused (${verdict.reason}): the charger keeps its previous one`,
    );
  }
}
