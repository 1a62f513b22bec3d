import type { ExchangeEvent } from '../bridge/message-run.js';
import { compareText } from '../util/order.js';

/**
 * What happened to each charger, for the timeline on its dashboard page (docs/architecture.md#fleet-charts): status
 * changes, faults, sessions started and stopped, and drops of its CSMS connection. Kept in this instance's memory,
 * bounded like the message trace: `perCharger` events for each of the `chargers` chargers with the most recent events.
 */

export type TimelineKind = 'status' | 'fault' | 'session-start' | 'session-stop' | 'csms-drop' | 'csms-open';

export interface TimelineEvent {
  at: string;
  kind: TimelineKind;
  connectorId?: number;
  /** The connector status the charger reported (status, fault). */
  status?: string;
  transactionId?: number | string;
  /** The error code of a fault, the CSMS's answer to a start, the stop reason, why a connection dropped. */
  detail?: string;
}

export interface TimelineOptions {
  perCharger: number;
  chargers: number;
}

/** Events are small (a few numbers and short strings): more chargers are kept than in the message trace. */
export const TIMELINE_DEFAULTS: TimelineOptions = { perCharger: 64, chargers: 2_000 };

/** What the timeline reads of a CSMS connection (an UpstreamConnection). */
export interface ConnectionView {
  readonly isOpen: boolean;
  readonly connectedAt?: string;
  readonly lastError?: { message: string; at: string };
}

/** Longest detail kept; a charger's `info` text is free-form. */
const MAX_DETAIL = 120;
/**
 * Status names, error codes and reasons come from small OCPP enumerations: each distinct value is kept once, so that an
 * event does not hold on to the parsed message it came from (see the note on MessageTrace). Bounded, as a charger may
 * send anything.
 */
const MAX_INTERNED = 512;
const interned = new Map<string, string>();

function text(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const known = interned.get(value);
  if (known !== undefined) return known;
  const kept = value.length > MAX_DETAIL ? `${value.slice(0, MAX_DETAIL)}…` : value;
  if (interned.size < MAX_INTERNED) interned.set(kept, kept);
  return kept;
}

const numberOf = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const idOf = (value: unknown): number | string | undefined =>
  typeof value === 'number' ? value : typeof value === 'string' ? text(value) : undefined;
const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/** One event slot, reused in place once its charger's ring is full. */
class StoredEvent {
  at = 0;
  kind: TimelineKind = 'status';
  connectorId: number | undefined = undefined;
  status: string | undefined = undefined;
  transactionId: number | string | undefined = undefined;
  detail: string | undefined = undefined;
}

type EventFields = Omit<StoredEvent, 'at' | 'kind'>;

/** One charger's newest events: a ring of at most `size` slots, reused (with the object) for another charger. */
class ChargerEvents {
  private readonly slots: StoredEvent[] = [];
  private next = 0;
  private count = 0;
  /** Each connector's last reported status and error code, so that a repeated report is not a change. */
  readonly lastStatus = new Map<number, string | undefined>();
  readonly lastError = new Map<number, string | undefined>();

  constructor(
    public identity: string,
    private readonly size: number,
  ) {}

  /** This object and its slots for another charger (the one pushed out of the timeline). */
  reuse(identity: string): this {
    this.identity = identity;
    this.next = this.count = 0;
    this.lastStatus.clear();
    this.lastError.clear();
    return this;
  }

  add(at: number, kind: TimelineKind, fields: Partial<EventFields>): void {
    let event = this.slots[this.next];
    if (!event) this.slots[this.next] = event = new StoredEvent();
    event.at = at;
    event.kind = kind;
    event.connectorId = fields.connectorId;
    event.status = fields.status;
    event.transactionId = fields.transactionId;
    event.detail = fields.detail;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
  }

  /** Newest first. */
  list(limit: number): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    for (let k = 0; k < Math.min(limit, this.count); k++) {
      const e = this.slots[(this.next - 1 - k + 2 * this.size) % this.size]!;
      const event: TimelineEvent = { at: new Date(e.at).toISOString(), kind: e.kind };
      if (e.connectorId !== undefined) event.connectorId = e.connectorId;
      if (e.status !== undefined) event.status = e.status;
      if (e.transactionId !== undefined) event.transactionId = e.transactionId;
      if (e.detail !== undefined) event.detail = e.detail;
      out.push(event);
    }
    return out;
  }
}

export class ChargerTimeline {
  /** Map order is recency order: a charger moves to the end when it has a new event. */
  private readonly byCharger = new Map<string, ChargerEvents>();
  /** What each CSMS connection looked like at the last sample; dropped with the connection. */
  private readonly connections = new WeakMap<ConnectionView, { open: boolean; since?: string }>();

  constructor(private readonly options: TimelineOptions = TIMELINE_DEFAULTS) {}

  get chargers(): number {
    return this.byCharger.size;
  }

  /**
   * A charger message was handled: only status notifications and transactions are kept. The CALL as sent is read
   * (1.6J or 2.0.1 field names); a message that failed is not an event, as the charger will send it again.
   */
  onExchange(e: ExchangeEvent): void {
    if (e.action !== 'StatusNotification' && e.action !== 'StartTransaction' && e.action !== 'StopTransaction') return;
    if (e.via === 'error' || !e.call) return;
    const call = e.call as Record<string, unknown>;
    if (e.action === 'StatusNotification') this.status(e.identity, call);
    else if (e.action === 'StartTransaction') {
      const result = record(e.result);
      this.add(e.identity, Date.now(), 'session-start', {
        connectorId: numberOf(call.connectorId) ?? numberOf(record(call.evse).id),
        transactionId: idOf(result.transactionId ?? record(call.transactionInfo).transactionId),
        detail: text(record(result.idTagInfo ?? result.idTokenInfo).status),
      });
    } else
      this.add(e.identity, Date.now(), 'session-stop', {
        transactionId: idOf(call.transactionId ?? record(call.transactionInfo).transactionId),
        detail: text(call.reason ?? record(call.transactionInfo).stoppedReason),
      });
  }

  private status(identity: string, call: Record<string, unknown>): void {
    const status = text(call.status ?? call.connectorStatus);
    const errorCode = text(call.errorCode);
    // 2.0.1 numbers the EVSE (the SOAP charger's connector); 1.6 the connector.
    const connectorId = numberOf(call.evseId) ?? numberOf(call.connectorId) ?? 0;
    const charger = this.byCharger.get(identity);
    if (
      charger?.lastStatus.has(connectorId) &&
      charger.lastStatus.get(connectorId) === status &&
      charger.lastError.get(connectorId) === errorCode
    )
      return;
    const fault = (errorCode !== undefined && errorCode !== 'NoError') || status === 'Faulted';
    const info = text(call.info ?? call.vendorErrorCode);
    const added = this.add(identity, Date.now(), fault ? 'fault' : 'status', {
      connectorId,
      status,
      detail: fault ? [errorCode, info].filter(Boolean).join(': ') || undefined : undefined,
    });
    added.lastStatus.set(connectorId, status);
    added.lastError.set(connectorId, errorCode);
  }

  /**
   * A CSMS connection as seen at a sample (every 10 s): a connection that was open and is not, or was opened again
   * since, dropped; one that is open and was not, or since another time, opened.
   */
  connectionSeen(identity: string, connection: ConnectionView, now = Date.now()): void {
    const before = this.connections.get(connection);
    const open = connection.isOpen;
    const since = connection.connectedAt;
    const reopened = before?.open === true && open && since !== before.since;
    if (before?.open && (!open || reopened)) {
      const error = connection.lastError;
      const at = !open && error ? Date.parse(error.at) : since ? Date.parse(since) : now;
      this.add(identity, at, 'csms-drop', { detail: text(open ? 'dropped and opened again' : error?.message) });
    }
    if (open && (!before?.open || reopened)) this.add(identity, since ? Date.parse(since) : now, 'csms-open', {});
    if (before?.open !== open || before.since !== since) this.connections.set(connection, { open, since });
  }

  /**
   * A charger's events, newest first. A drop is dated when it happened, which can be before events recorded while the
   * sample that saw it was pending: the list is sorted by time (equal times stay newest recorded first).
   */
  events(identity: string, limit = this.options.perCharger): TimelineEvent[] {
    const events = this.byCharger.get(identity)?.list(this.options.perCharger) ?? [];
    return events.sort((a, b) => compareText(b.at, a.at)).slice(0, limit);
  }

  private add(identity: string, at: number, kind: TimelineKind, fields: Partial<EventFields>): ChargerEvents {
    let charger = this.byCharger.get(identity);
    if (charger) this.byCharger.delete(identity);
    else if (this.byCharger.size >= this.options.chargers) {
      // The charger with the oldest events makes room, and lends its object: no garbage per new charger.
      const oldest = this.byCharger.values().next().value!;
      this.byCharger.delete(oldest.identity);
      charger = oldest.reuse(identity);
    } else charger = new ChargerEvents(identity, this.options.perCharger);
    this.byCharger.set(charger.identity, charger);
    charger.add(at, kind, fields);
    return charger;
  }
}
