import { createHash } from 'node:crypto';
import { ClosedSessions } from './closed-sessions.js';
import type { RecordKind, RecordsPersistence } from './persistence.js';
import { parseIsoTime } from '../util/iso-time.js';

/**
 * What the API serves that ChargerState does not keep (docs/fleet-api.md#data-sources): closed sessions with
 * their meter samples, alarms, and the latest power per port. Fed from the OCPP 1.6 calls the gateway sends the CSMS
 * (the charger's messages as translated), so it sees exactly what the CSMS saw. Bounded per charger and in age.
 */

export interface MeterSample {
  at: number;
  /** Energy register in Wh, when the sample has one. */
  energyWh?: number;
  /** Active import power in W, when the charger reports it. */
  powerW?: number;
}

export interface SessionRecord {
  sessionId: number;
  identity: string;
  connectorId: number;
  idTag: string;
  start: number;
  end?: number;
  meterStart: number;
  meterStop?: number;
  samples: MeterSample[];
  /** When the gateway closed it: retention counts from here, since a charger's clock may be far off. */
  recordedAt?: number;
}

export interface AlarmRecord {
  /** Unique within the gateway: the key the record is stored under. */
  id: string;
  identity: string;
  connectorId: number;
  type: string;
  at: number;
  cleared?: { at: number; reason?: string };
}

type Call = Record<string, unknown>;

export interface RecordLimits {
  sessionsPerCharger: number;
  historyDays: number;
}

const MAX_SAMPLES_PER_SESSION = 2_000;
const MAX_ALARMS_PER_CHARGER = 500;
const REFRESH_MS = 2_000;
const MAX_UNKNOWN_TRANSACTIONS = 10_000;

/**
 * An open session and its meter samples so far. The samples are kept as numbers, three per sample (time, energy,
 * power; NaN where a sample has none), in one array of doubles, and become MeterSample objects when the session
 * closes: a session of 2,000 samples is then one object of 48 KB for the garbage collector instead of 2,000 small
 * ones, and takes about a quarter of the memory (docs/fleet-api.md#records-and-retention).
 */
interface OpenSession {
  record: SessionRecord;
  values: number[];
}

/** A durable-looking number derived from the session's facts: the same session gets the same id on every instance. */
export function sessionIdOf(identity: string, transactionId: number, start: string): number {
  return Number.parseInt(
    createHash('sha256').update(`${identity}\n${transactionId}\n${start}`).digest('hex').slice(0, 12),
    16,
  );
}

export class FleetRecords {
  /** Open sessions by identity and transactionId. */
  private readonly open = new Map<string, OpenSession>();
  /** Closed sessions in the order they closed: the guide's record ordinals follow this order. */
  private readonly closedSessions = new ClosedSessions<SessionRecord>();
  private readonly alarmsByCharger = new Map<string, AlarmRecord[]>();
  /**
   * The latest active import power per port in kW, by identity and then connector: the identity a message carries
   * has its hash already, where a key made of both would be built and hashed for every MeterValues.
   */
  private readonly power = new Map<string, Map<number, number>>();
  private persistence?: RecordsPersistence;
  /** Open sessions being read from Redis, with the messages of each queued behind the read (withOpen). */
  private readonly adopting = new Map<string, Promise<void>>();
  /** Transactions looked up in Redis and not found (started before the records were kept). */
  private readonly unknown = new Set<string>();
  private alarmCount = 0;
  private refreshedAt = 0;

  constructor(private readonly limits: RecordLimits) {}

  /**
   * Keeps the records in `persistence` from now on: what it holds is read back, what was recorded before is written to
   * it. Open sessions' meter samples are written with the closed session, not one by one (the cost per MeterValues
   * stays a memory append), so a restart loses the samples of the sessions open at that moment.
   */
  async persistIn(persistence: RecordsPersistence): Promise<void> {
    const before = {
      open: [...this.open.entries()].map(([key, o]): [string, SessionRecord] => [key, o.record]),
      closed: [...this.closedSessions.all()],
      alarms: [...this.alarmsByCharger.values()].flat(),
    };
    this.persistence = persistence;
    for (const [key, s] of await persistence.load('open')) this.open.set(key, openSession(s as SessionRecord));
    await this.reload();
    for (const [key, s] of before.open) this.write('open', key, s);
    for (const s of before.closed) this.write('session', String(s.sessionId), s);
    for (const a of before.alarms) this.write('alarm', a.id, a);
    for (const s of before.closed) this.closedSessions.add(s);
    for (const a of before.alarms) this.keepAlarm(a);
  }

  /**
   * Reads closed sessions and alarms again (Redis: other instances record too), at most every REFRESH_MS: a tool that
   * pages through sessions does not read them all from Redis for every page.
   */
  async refresh(now = Date.now()): Promise<void> {
    if (!this.persistence?.shared || now - this.refreshedAt < REFRESH_MS) return;
    this.refreshedAt = now;
    await this.reload();
  }

  private async reload(): Promise<void> {
    const persistence = this.persistence!;
    this.closedSessions.replace(
      (await persistence.load('session'))
        .map(([, s]) => s as SessionRecord)
        .sort((a, b) => (a.recordedAt ?? 0) - (b.recordedAt ?? 0) || a.sessionId - b.sessionId),
    );
    this.alarmsByCharger.clear();
    const alarms = (await persistence.load('alarm')).map(([, a]) => a as AlarmRecord).sort((a, b) => a.at - b.at);
    for (const a of alarms) this.keepAlarm(a);
  }

  private write(kind: RecordKind, key: string, value: object | undefined): void {
    this.persistence?.put(kind, key, value);
  }

  /** One charger message as the CSMS received it (an OCPP 1.6 CALL) and its answer. */
  observe(identity: string, action: string, call: Call | undefined, result: Call | undefined, now: number): void {
    if (!call) return;
    if (action === 'StartTransaction') this.started(identity, call, result);
    else if (action === 'StopTransaction') this.stopped(identity, call, now);
    else if (action === 'MeterValues') this.metered(identity, call);
    else if (action === 'StatusNotification') this.status(identity, call, now);
    else if (action === 'FirmwareStatusNotification') {
      const status = String(call.status);
      if (status === 'InstallationFailed' || status === 'DownloadFailed')
        this.alarm(identity, 0, `Firmware ${status}`, now);
    }
  }

  private started(identity: string, call: Call, result: Call | undefined): void {
    const transactionId = Number(result?.transactionId);
    if (!Number.isInteger(transactionId)) return;
    const start = String(call.timestamp);
    const key = `${identity}\n${transactionId}`;
    const session: SessionRecord = {
      sessionId: sessionIdOf(identity, transactionId, start),
      identity,
      connectorId: Number(call.connectorId),
      idTag: String(call.idTag),
      start: parseIsoTime(start),
      meterStart: Number(call.meterStart),
      samples: [],
    };
    this.open.set(key, openSession(session));
    this.unknown.delete(key);
    this.write('open', key, session);
  }

  private stopped(identity: string, call: Call, now: number): void {
    const key = `${identity}\n${Number(call.transactionId)}`;
    this.withOpen(key, (open) => {
      if (!open) return;
      const session = open.record;
      this.open.delete(key);
      this.addSamples(session, samplesFromValues(open.values));
      this.addSamples(session, samplesOf(call.transactionData));
      session.end = parseIsoTime(String(call.timestamp));
      session.meterStop = Number(call.meterStop);
      session.recordedAt = now;
      // meterStop is the register's last reading: the session's last quarter hour ends with it.
      if (Number.isFinite(session.end) && Number.isFinite(session.meterStop))
        session.samples.push({ at: session.end, energyWh: session.meterStop });
      this.power.get(identity)?.delete(session.connectorId);
      this.closedSessions.add(session);
      this.write('open', key, undefined);
      this.write('session', String(session.sessionId), session);
      this.prune(identity, now);
    });
  }

  private metered(identity: string, call: Call): void {
    // Read once: the same samples give the port's load and the session's record.
    const samples = samplesOf(call.meterValue);
    const latestPower = samples.findLast((s) => s.powerW !== undefined);
    if (latestPower) {
      let ports = this.power.get(identity);
      if (!ports) this.power.set(identity, (ports = new Map()));
      ports.set(Number(call.connectorId), latestPower.powerW! / 1000);
    }
    if (call.transactionId === undefined) return;
    this.withOpen(`${identity}\n${Number(call.transactionId)}`, (open) => {
      if (open) for (const s of samples) appendValues(open.values, s);
    });
  }

  /**
   * Runs `apply` with an open session, in message order. With Redis, a session may have been opened by another
   * instance before this charger's partition moved here: its record is read from Redis on first use (the meter samples
   * the other instance held in memory are not in it, docs/fleet-api.md#records-and-retention). A transaction
   * found nowhere is remembered, so its later MeterValues cost no further reads.
   */
  private withOpen(key: string, apply: (open: OpenSession | undefined) => void): void {
    const queued = this.adopting.get(key);
    if (!queued && (this.open.has(key) || !this.persistence?.shared || this.unknown.has(key))) {
      apply(this.open.get(key));
      return;
    }
    const next = (queued ?? this.adopt(key)).then(() => apply(this.open.get(key)));
    this.adopting.set(key, next);
    void next.finally(() => {
      if (this.adopting.get(key) === next) this.adopting.delete(key);
    });
  }

  private async adopt(key: string): Promise<void> {
    const stored = await this.persistence!.get('open', key).catch(() => undefined);
    if (stored && !this.open.has(key)) this.open.set(key, openSession(stored as SessionRecord));
    if (stored || this.open.has(key)) return;
    if (this.unknown.size >= MAX_UNKNOWN_TRANSACTIONS) this.unknown.clear();
    this.unknown.add(key);
  }

  private addSamples(session: SessionRecord, samples: MeterSample[]): void {
    for (const s of samples) if (session.samples.length < MAX_SAMPLES_PER_SESSION) session.samples.push(s);
  }

  private status(identity: string, call: Call, now: number): void {
    const errorCode = String(call.errorCode ?? 'NoError');
    const connectorId = Number(call.connectorId);
    const at = typeof call.timestamp === 'string' ? parseIsoTime(call.timestamp) : now;
    if (errorCode !== 'NoError') this.alarm(identity, connectorId, errorCode, Number.isFinite(at) ? at : now);
    else if (call.status === 'Faulted') this.alarm(identity, connectorId, 'Faulted', Number.isFinite(at) ? at : now);
  }

  private alarm(identity: string, connectorId: number, type: string, at: number): void {
    const alarm: AlarmRecord = { id: `${identity}\n${at}\n${this.alarmCount++}`, identity, connectorId, type, at };
    this.write('alarm', alarm.id, alarm);
    const dropped = this.keepAlarm(alarm);
    if (dropped) this.write('alarm', dropped.id, undefined);
  }

  /** Adds an alarm to its charger's list; returns the oldest one when the list outgrew its bound. */
  private keepAlarm(alarm: AlarmRecord): AlarmRecord | undefined {
    const list = this.alarmsByCharger.get(alarm.identity) ?? [];
    list.push(alarm);
    this.alarmsByCharger.set(alarm.identity, list);
    return list.length > MAX_ALARMS_PER_CHARGER ? list.shift() : undefined;
  }

  /** Clears an alarm in the gateway's records (OCPP has no command that clears a charger's fault). */
  clearAlarm(alarm: AlarmRecord, at: number, reason: string | undefined): void {
    alarm.cleared = { at, reason };
    this.write('alarm', alarm.id, alarm);
  }

  /**
   * Retention: sessions older than historyDays go, and a charger keeps at most sessionsPerCharger. Paid per closed
   * session, whatever the number kept: the oldest are at the front of the lists (ClosedSessions).
   */
  private prune(identity: string, now: number): void {
    const drop = (s: SessionRecord) => this.write('session', String(s.sessionId), undefined);
    this.closedSessions.dropOlderThan(now - this.limits.historyDays * 86_400_000, drop);
    this.closedSessions.dropBeyond(identity, this.limits.sessionsPerCharger, drop);
  }

  closed(): readonly SessionRecord[] {
    return this.closedSessions.all();
  }

  session(sessionId: number): SessionRecord | undefined {
    return this.closedSessions.byId(sessionId);
  }

  alarms(identity: string): AlarmRecord[] {
    return this.alarmsByCharger.get(identity) ?? [];
  }

  /** The latest Power.Active.Import of a port with an open transaction, in kW. */
  portLoad(identity: string, connectorId: number): number | undefined {
    return this.power.get(identity)?.get(connectorId);
  }
}

function openSession(record: SessionRecord): OpenSession {
  return { record, values: [] };
}

/** Appends a sample to an open session's numbers, up to MAX_SAMPLES_PER_SESSION. */
function appendValues(values: number[], s: MeterSample): void {
  if (values.length < 3 * MAX_SAMPLES_PER_SESSION) values.push(s.at, s.energyWh ?? Number.NaN, s.powerW ?? Number.NaN);
}

/** An open session's numbers back as samples, without the fields a sample did not have. */
function samplesFromValues(values: readonly number[]): MeterSample[] {
  const out: MeterSample[] = [];
  for (let i = 0; i < values.length; i += 3) {
    const sample: MeterSample = { at: values[i]! };
    if (!Number.isNaN(values[i + 1])) sample.energyWh = values[i + 1];
    if (!Number.isNaN(values[i + 2])) sample.powerW = values[i + 2];
    out.push(sample);
  }
  return out;
}

/** OCPP 1.6 meterValue[] -> samples: the energy register (Wh) and active import power (W), other measurands ignored. */
function samplesOf(meterValue: unknown): MeterSample[] {
  if (!Array.isArray(meterValue)) return [];
  const out: MeterSample[] = [];
  for (const mv of meterValue as { timestamp?: string; sampledValue?: Call[] }[]) {
    const at = parseIsoTime(String(mv.timestamp));
    if (!Number.isFinite(at)) continue;
    const sample: MeterSample = { at };
    for (const sv of mv.sampledValue ?? []) {
      const value = Number(sv.value);
      if (!Number.isFinite(value)) continue;
      const measurand = String(sv.measurand ?? 'Energy.Active.Import.Register');
      const unit = String(sv.unit ?? (measurand.startsWith('Power') ? 'W' : 'Wh'));
      const scale = unit === 'kWh' || unit === 'kW' ? 1000 : 1;
      if (measurand === 'Energy.Active.Import.Register' && (unit === 'Wh' || unit === 'kWh'))
        sample.energyWh = value * scale;
      else if (measurand === 'Power.Active.Import' && (unit === 'W' || unit === 'kW')) sample.powerW = value * scale;
    }
    if (sample.energyWh !== undefined || sample.powerW !== undefined) out.push(sample);
  }
  return out;
}
