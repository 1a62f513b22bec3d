import { createHash } from 'node:crypto';

/**
 * What the API serves that ChargerState does not keep (docs/chargepoint-api.md#data-sources): closed sessions with
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

/** A durable-looking number derived from the session's facts: the same session gets the same id on every instance. */
export function sessionIdOf(identity: string, transactionId: number, start: string): number {
  return Number.parseInt(
    createHash('sha256').update(`${identity}\n${transactionId}\n${start}`).digest('hex').slice(0, 12),
    16,
  );
}

export class FleetRecords {
  /** Open sessions by identity and transactionId. */
  private readonly open = new Map<string, SessionRecord>();
  /** Closed sessions in the order they closed: the guide's record ordinals follow this order. */
  private closedList: SessionRecord[] = [];
  private readonly alarmsByCharger = new Map<string, AlarmRecord[]>();
  private readonly power = new Map<string, { kW: number; at: number }>();

  constructor(private readonly limits: RecordLimits) {}

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
    this.open.set(`${identity}\n${transactionId}`, {
      sessionId: sessionIdOf(identity, transactionId, start),
      identity,
      connectorId: Number(call.connectorId),
      idTag: String(call.idTag),
      start: Date.parse(start),
      meterStart: Number(call.meterStart),
      samples: [],
    });
  }

  private stopped(identity: string, call: Call, now: number): void {
    const key = `${identity}\n${Number(call.transactionId)}`;
    const session = this.open.get(key);
    if (!session) return;
    this.open.delete(key);
    this.addSamples(session, call.transactionData);
    session.end = Date.parse(String(call.timestamp));
    session.meterStop = Number(call.meterStop);
    session.recordedAt = now;
    // meterStop is the register's last reading: the session's last quarter hour ends with it.
    if (Number.isFinite(session.end) && Number.isFinite(session.meterStop))
      session.samples.push({ at: session.end, energyWh: session.meterStop });
    this.power.delete(`${identity}\n${session.connectorId}`);
    this.closedList.push(session);
    this.prune(identity, now);
  }

  private metered(identity: string, call: Call): void {
    const session =
      call.transactionId !== undefined ? this.open.get(`${identity}\n${Number(call.transactionId)}`) : undefined;
    const samples = samplesOf(call.meterValue);
    const latestPower = samples.filter((s) => s.powerW !== undefined).at(-1);
    if (latestPower)
      this.power.set(`${identity}\n${Number(call.connectorId)}`, {
        kW: latestPower.powerW! / 1000,
        at: latestPower.at,
      });
    if (session) this.addSamples(session, call.meterValue);
  }

  private addSamples(session: SessionRecord, meterValue: unknown): void {
    for (const s of samplesOf(meterValue))
      if (session.samples.length < MAX_SAMPLES_PER_SESSION) session.samples.push(s);
  }

  private status(identity: string, call: Call, now: number): void {
    const errorCode = String(call.errorCode ?? 'NoError');
    const connectorId = Number(call.connectorId);
    const at = typeof call.timestamp === 'string' ? Date.parse(call.timestamp) : now;
    if (errorCode !== 'NoError') this.alarm(identity, connectorId, errorCode, Number.isFinite(at) ? at : now);
    else if (call.status === 'Faulted') this.alarm(identity, connectorId, 'Faulted', Number.isFinite(at) ? at : now);
  }

  private alarm(identity: string, connectorId: number, type: string, at: number): void {
    const list = this.alarmsByCharger.get(identity) ?? [];
    list.push({ identity, connectorId, type, at });
    if (list.length > MAX_ALARMS_PER_CHARGER) list.shift();
    this.alarmsByCharger.set(identity, list);
  }

  /** Retention: sessions older than historyDays go, and a charger keeps at most sessionsPerCharger. */
  private prune(identity: string, now: number): void {
    const horizon = now - this.limits.historyDays * 86_400_000;
    const mine = this.closedList.filter((s) => s.identity === identity).length;
    let excess = mine - this.limits.sessionsPerCharger;
    this.closedList = this.closedList.filter((s) => {
      if ((s.recordedAt ?? 0) < horizon) return false;
      if (excess > 0 && s.identity === identity) {
        excess--;
        return false;
      }
      return true;
    });
  }

  closed(): readonly SessionRecord[] {
    return this.closedList;
  }

  session(sessionId: number): SessionRecord | undefined {
    return this.closedList.find((s) => s.sessionId === sessionId);
  }

  alarms(identity: string): AlarmRecord[] {
    return this.alarmsByCharger.get(identity) ?? [];
  }

  /** The latest Power.Active.Import of a port with an open transaction, in kW. */
  portLoad(identity: string, connectorId: number): number | undefined {
    return this.power.get(`${identity}\n${connectorId}`)?.kW;
  }
}

/** OCPP 1.6 meterValue[] -> samples: the energy register (Wh) and active import power (W), other measurands ignored. */
function samplesOf(meterValue: unknown): MeterSample[] {
  if (!Array.isArray(meterValue)) return [];
  const out: MeterSample[] = [];
  for (const mv of meterValue as { timestamp?: string; sampledValue?: Call[] }[]) {
    const at = Date.parse(String(mv.timestamp));
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
