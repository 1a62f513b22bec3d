import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ExchangeEvent } from '../bridge/message-run.js';
import type { CsmsCallEvent } from '../bridge/csms-calls.js';
import type { SoapExchangeEvent } from '../soap/central-system-endpoint.js';
import { operationLabel, rpcErrorLabel } from '../ocpp/vocabulary.js';
import { type HistogramSeries, LatencyHistogram } from './latency-histogram.js';
import { Tally } from './tally.js';

/** Values read at scrape time (fleet and queue gauges), supplied by the gateway. */
export interface FleetSnapshot {
  chargersKnown: number;
  soapActive: number;
  upstreamConnected: number;
  withoutCallbackUrl: number;
  upstreamReconnects: number;
  queues: { partition: string; depth: number; oldestAgeSeconds: number }[];
  queueAdded: { jobs: number; messages: number; direct: number };
  /** Messages in the dead letters (refused by the CSMS for longer than the redelivery bound). */
  deadLetters: number;
  /** The embedded durable store, when it is used. */
  store?: { bytes: number; commits: number; messagesWritten: number; errors: number };
  /** Known chargers per route, and chargers with shadow copies waiting (migration routing on). */
  routes?: Record<string, number>;
  shadowBacklog?: number;
  /** Bytes of the message trace's text buffer written so far (MessageTrace.bufferTouchedBytes). */
  traceBufferBytes?: number;
}

type SnapshotMetric<T> = readonly [name: string, help: string, pick: (s: T) => number];

/** Gauges read from the fleet snapshot, one value each. */
const FLEET_GAUGES: readonly SnapshotMetric<FleetSnapshot>[] = [
  ['ocppgw_chargers_known', 'Chargers the gateway has seen', (s) => s.chargersKnown],
  ['ocppgw_chargers_soap_active', 'Chargers heard on the SOAP side in the last 15 minutes', (s) => s.soapActive],
  [
    'ocppgw_chargers_upstream_connected',
    'Chargers whose OCPP-J WebSocket to the CSMS is open on this instance',
    (s) => s.upstreamConnected,
  ],
  [
    'ocppgw_chargers_without_callback_url',
    'Chargers with no usable callback URL (docs/charger-quirks.md#q2-missing-or-useless-wsafrom): the CSMS cannot reach them',
    (s) => s.withoutCallbackUrl,
  ],
  [
    'ocppgw_upstream_reconnects',
    'Upstream WebSocket reconnects on this instance since start',
    (s) => s.upstreamReconnects,
  ],
  [
    'ocppgw_dead_letters',
    'Stored messages the CSMS kept refusing past the redelivery bound, waiting for an operator to replay or drop them',
    (s) => s.deadLetters,
  ],
  [
    'ocppgw_store_bytes',
    'Size on disk of the embedded durable store (database and write-ahead log); 0 with Redis or STORE=memory',
    (s) => s.store?.bytes ?? 0,
  ],
  [
    'ocppgw_trace_buffer_bytes',
    "Bytes of the message trace's text buffer written so far: resident memory outside the JS heap that grows with traffic up to TRACE_BUFFER_MIB, then stays",
    (s) => s.traceBufferBytes ?? 0,
  ],
  [
    'ocppgw_shadow_backlog_chargers',
    'Chargers with shadow copies waiting for their shadow system (it is down or slow)',
    (s) => s.shadowBacklog ?? 0,
  ],
];

/** Gauges per queue partition. */
const PARTITION_GAUGES: readonly SnapshotMetric<FleetSnapshot['queues'][number]>[] = [
  [
    'ocppgw_queue_depth',
    'Jobs waiting, in progress or delayed, by partition; with Redis a job carries one or more messages of its partition, and a message delivered directly counts as one (the embedded queue counts messages, as partition "embedded")',
    (q) => q.depth,
  ],
  [
    'ocppgw_queue_oldest_age_seconds',
    'Age of the oldest waiting message, by partition: a growing value means something is stuck',
    (q) => q.oldestAgeSeconds,
  ],
];

/** Counters this instance keeps in its queue and store, read at each scrape. */
const ADDED_COUNTERS: readonly SnapshotMetric<FleetSnapshot>[] = [
  ['ocppgw_queue_jobs_added_total', 'Jobs this instance added to the queue', (s) => s.queueAdded.jobs],
  [
    'ocppgw_queue_messages_added_total',
    'Charger messages this instance added to the queue (divided by jobs: the mean batch size)',
    (s) => s.queueAdded.messages,
  ],
  [
    'ocppgw_queue_direct_total',
    'Charger messages this instance delivered directly, recorded in Redis but without a BullMQ job (Redis only; see Scale-out)',
    (s) => s.queueAdded.direct,
  ],
  [
    'ocppgw_store_commits_total',
    'Durable commits of the embedded store (each one fsync); messages written divided by commits is the group-commit size',
    (s) => s.store?.commits ?? 0,
  ],
  [
    'ocppgw_store_messages_written_total',
    'Queued messages the embedded store wrote (one delivered before the next commit is never written)',
    (s) => s.store?.messagesWritten ?? 0,
  ],
  [
    'ocppgw_store_commit_errors_total',
    'Embedded store commits that failed (full disk, I/O error); the messages waiting for them were answered 503',
    (s) => s.store?.errors ?? 0,
  ],
];

/**
 * Prometheus metrics (prom-client). Names follow the Prometheus conventions: `ocppgw_` prefix, `_total` for
 * counters, base units (seconds). Labels are bounded: operation and code come from fixed OCPP vocabularies, never
 * from charger identities (a fleet of 10,000 would explode the series count); per-charger detail is in the status API.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly messages: Counter<'operation' | 'direction' | 'outcome'> = new Counter({
    name: 'ocppgw_messages_total',
    help: 'Messages handled, by OCPP operation, direction (charger_to_csms, csms_to_charger) and outcome',
    labelNames: ['operation', 'direction', 'outcome'] as const,
    registers: [this.registry],
    collect: (): void => this.messageTally.flush(),
  });

  readonly soapRequests: Counter<'dialect'> = new Counter({
    name: 'ocppgw_soap_requests_total',
    help: 'SOAP requests of chargers answered on the SOAP endpoint, by dialect (ocpp1.2-soap, ocpp1.5-soap, ocpp1.6-soap)',
    labelNames: ['dialect'] as const,
    registers: [this.registry],
    collect: (): void => this.soapRequestTally.flush(),
  });

  readonly soapFaults = new Counter({
    name: 'ocppgw_soap_faults_total',
    help: 'SOAP Faults sent to chargers, by code and subcode',
    labelNames: ['code', 'subcode'] as const,
    registers: [this.registry],
  });

  readonly callErrors = new Counter({
    name: 'ocppgw_callerrors_total',
    help: 'OCPP-J CALLERRORs, by direction (received from the CSMS, sent to the CSMS) and error code',
    labelNames: ['direction', 'code'] as const,
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'ocppgw_http_rejected_total',
    help: 'Requests on the SOAP port answered without a SOAP envelope (4xx, 503), by HTTP status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly overflow = new Counter({
    name: 'ocppgw_queue_overflow_total',
    help: 'Messages from chargers over their queue bound, by operation and what was done (answer_locally, refuse)',
    labelNames: ['operation', 'decision'] as const,
    registers: [this.registry],
  });

  readonly callbackRefused = new Counter({
    name: 'ocppgw_callback_refused_total',
    help: 'Callback URLs offered by chargers and refused by the callback policy, by the rule that refused them',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly callbackChanges = new Counter({
    name: 'ocppgw_callback_changes_total',
    help: "Changes of a charger's callback URL, by where the new one came from (config, From, ReplyTo)",
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: 'ocppgw_auth_failures_total',
    help: 'Failed HTTP Basic authentications of chargers on the SOAP endpoint (throttled with 429 above 10 a minute)',
    registers: [this.registry],
  });

  readonly adminAuthFailures = new Counter({
    name: 'ocppgw_admin_auth_failures_total',
    help: 'Wrong admin tokens given on the admin port, by way (login form, Bearer header); 10 a minute per address, then 429',
    labelNames: ['via'],
    registers: [this.registry],
  });

  readonly authThrottled = new Counter({
    name: 'ocppgw_auth_throttled_total',
    help: 'SOAP messages answered 429 because of earlier failed HTTP Basic authentications of their charger or source',
    registers: [this.registry],
  });

  readonly connectionsRefused = new Counter({
    name: 'ocppgw_connections_refused_total',
    help: 'SOAP port connections closed at once, by reason: source (it held MAX_CONNECTIONS_PER_SOURCE already), port (the port was full and every connection was serving a request)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly connectionsEvicted = new Counter({
    name: 'ocppgw_connections_evicted_total',
    help: 'SOAP port connections closed to make room for a new one while the port was full: the oldest of those serving no request, of the source holding most',
    registers: [this.registry],
  });

  readonly chargersRefused = new Counter({
    name: 'ocppgw_chargers_refused_total',
    help: 'Messages of new identities refused because MAX_CHARGERS identities are known',
    registers: [this.registry],
  });

  readonly shadowDivergences = new Counter({
    name: 'ocppgw_shadow_divergences_total',
    help: 'Charger messages the shadow system answered differently from the primary, by operation and kind (decision, error, missing, unmapped-transaction)',
    labelNames: ['operation', 'kind'] as const,
    registers: [this.registry],
  });

  readonly latency = new LatencyHistogram(
    'ocppgw_exchange_duration_seconds',
    'Time from request to answer, by direction',
    'direction',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    this.registry,
  );

  /** What every message counts, kept rather than looked up by its labels each time (each made on first use). */
  private readonly messageTally: Tally = new Tally(this.messages, ['operation', 'direction', 'outcome']);
  private readonly soapRequestTally: Tally = new Tally(this.soapRequests, ['dialect']);
  private latencyFromChargers?: HistogramSeries;
  private latencyFromCsms?: HistogramSeries;

  constructor(snapshot: () => Promise<FleetSnapshot>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'ocppgw_' });
    const registers = [this.registry];
    let current: Promise<FleetSnapshot> | undefined;
    // One snapshot per scrape, shared by every gauge's collect().
    const read = () => (current ??= snapshot().finally(() => setImmediate(() => (current = undefined))));
    for (const [name, help, pick] of FLEET_GAUGES)
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          this.set(pick(await read()));
        },
      });
    for (const [name, help, pick] of PARTITION_GAUGES)
      new Gauge({
        name,
        help,
        labelNames: ['partition'],
        registers,
        async collect() {
          this.reset();
          for (const q of (await read()).queues) this.set({ partition: q.partition }, pick(q));
        },
      });
    for (const [name, help, pick] of ADDED_COUNTERS)
      new Counter({
        name,
        help,
        registers,
        async collect() {
          this.reset();
          this.inc(pick(await read()));
        },
      });
    new Gauge({
      name: 'ocppgw_chargers_by_route',
      help: 'Known chargers per migration route (csms, legacy, legacy+shadow, csms+shadow); absent without a legacy system',
      labelNames: ['route'],
      registers,
      async collect() {
        this.reset();
        for (const [route, count] of Object.entries((await read()).routes ?? {})) this.set({ route }, count);
      },
    });
  }

  onSoapExchange(e: SoapExchangeEvent): void {
    this.soapRequestTally.inc(e.dialect);
    if (e.fault) this.soapFaults.inc({ code: e.fault.code, subcode: e.fault.subcode });
    (this.latencyFromChargers ??= this.latency.series('charger_to_csms')).observe(e.durationMs / 1000);
  }

  onExchange(e: ExchangeEvent): void {
    const outcome = e.via === 'csms' ? 'forwarded' : e.via === 'gateway' ? 'answered_by_gateway' : e.outcome.kind;
    this.messageTally.inc(operationLabel(e.action), 'charger_to_csms', outcome);
  }

  onRpcErrorFromCsms(code: string): void {
    this.callErrors.inc({ direction: 'from_csms', code: rpcErrorLabel(code) });
  }

  onCsmsCall(e: CsmsCallEvent): void {
    const outcome = 'result' in e.outcome ? 'result' : 'callerror';
    this.messageTally.inc(operationLabel(e.action), 'csms_to_charger', outcome);
    if (!('result' in e.outcome))
      this.callErrors.inc({ direction: 'to_csms', code: rpcErrorLabel(e.outcome.error.code) });
    (this.latencyFromCsms ??= this.latency.series('csms_to_charger')).observe(e.durationMs / 1000);
  }

  onRejected(status: number): void {
    this.rejected.inc({ status: String(status) });
  }

  onOverflow(action: string, decision: string): void {
    this.overflow.inc({ operation: operationLabel(action), decision: decision.replace('-', '_') });
  }
}
