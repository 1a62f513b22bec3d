import type { Method, MethodContext } from './context.js';
import {
  ApiAnswer,
  dateField,
  invalid,
  isV5,
  mandatory,
  page,
  positiveInt,
  queryOf,
  stationIdField,
} from './context.js';
import { grantedGroups, nameOf, orgId } from './methods-stations.js';
import type { AlarmRecord, SessionRecord } from './records.js';
import { textOf } from './request.js';
import type { Station } from './stations.js';
import { type Field, OK_TEXT, answer, decimal, isoSeconds } from './wire.js';

/** The guide's page size for sessions and alarms: exactly 100, clients advance by it. */
const PAGE = 100;
const QUARTER_MS = 15 * 60_000;

async function byStationId(ctx: MethodContext): Promise<Map<string, Station>> {
  return new Map((await ctx.stations()).map((s) => [s.identity, s]));
}

/** Energy of a session in kWh from the meter readings; a meter that went backwards (replaced, reset) has none. */
function energyOf(s: SessionRecord): string | undefined {
  if (s.meterStop === undefined || s.meterStop < s.meterStart) return undefined;
  return decimal((s.meterStop - s.meterStart) / 1000);
}

const getChargingSessionData: Method = async (ctx) => {
  const q = queryOf(ctx);
  const stationId = stationIdField(q);
  const sessionId = positiveInt(q, 'sessionID');
  const from = dateField(q, 'fromTimeStamp');
  const to = dateField(q, 'toTimeStamp');
  if (from !== undefined && to !== undefined && from > to)
    throw new ApiAnswer(142, 'Start date cannot be greater than end date');
  const stations = await byStationId(ctx);
  // Both bounds apply to the start time, so that date-window clients neither lose nor repeat a session.
  const sessions = ctx.records
    .closed()
    .filter((s) => stations.has(s.identity))
    .filter((s) => !stationId || stations.get(s.identity)!.stationId === stationId)
    .filter((s) => !sessionId || s.sessionId === sessionId)
    .filter((s) => (from === undefined || s.start >= from) && (to === undefined || s.start <= to));
  const { items, first, more } = page(sessions, positiveInt(q, 'startRecord'), PAGE);
  if (items.length === 0) throw new ApiAnswer(136, 'No charging session data found for given criteria');
  const record = isV5(ctx) ? 'ChargingSessionData' : 'ChargingSessionsData';
  const rows = items.map((s, i): Field => {
    const st = stations.get(s.identity)!;
    const tag = ctx.key.showIdTags ? s.idTag : undefined;
    return [
      record,
      [
        ['stationID', st.stationId],
        ['stationName', nameOf(st)],
        ['portNumber', s.connectorId],
        ['Address', st.meta.address],
        ['City', st.meta.city],
        ['State', st.meta.state],
        ['Country', st.meta.country],
        ['postalCode', st.meta.postalCode],
        ['sessionID', s.sessionId],
        ['Energy', energyOf(s)],
        ['startTime', isoSeconds(s.start)],
        ['endTime', s.end === undefined ? undefined : isoSeconds(s.end)],
        ['recordNumber', first + i],
        [isV5(ctx) ? 'credentialID' : 'rfidSerialNumber', tag],
      ],
    ];
  });
  return answer(100, OK_TEXT, [...rows, ['MoreFlag', more ? 1 : 0]]);
};

/** Energy register samples bucketed at 15-minute boundaries (docs/fleet-api.md#15-minute-data). */
export function quarterHours(s: SessionRecord, delta: boolean): Field[] {
  const buckets = new Map<number, { energyWh?: number; peakW?: number }>();
  for (const sample of s.samples) {
    const key = Math.floor(sample.at / QUARTER_MS) * QUARTER_MS;
    const b = buckets.get(key) ?? {};
    if (sample.energyWh !== undefined) b.energyWh = Math.max(b.energyWh ?? sample.energyWh, sample.energyWh);
    if (sample.powerW !== undefined) b.peakW = Math.max(b.peakW ?? 0, sample.powerW);
    buckets.set(key, b);
  }
  const rows: Field[] = [];
  let previousWh = s.meterStart;
  for (const [at, b] of [...buckets.entries()].sort((a, c) => a[0] - c[0])) {
    if (b.energyWh === undefined) continue;
    const intervalKWh = Math.max(0, b.energyWh - previousWh) / 1000;
    const cumulativeKWh = Math.max(0, b.energyWh - s.meterStart) / 1000;
    previousWh = b.energyWh;
    rows.push([
      'fifteenminData',
      [
        ['stationTime', isoSeconds(Math.max(at, s.start))],
        ['energyConsumed', decimal(delta ? intervalKWh : cumulativeKWh)],
        // A peak only where the charger reports power: an average is not a peak.
        ['peakPower', b.peakW === undefined ? undefined : decimal(b.peakW / 1000)],
        ['rollingPowerAvg', decimal(intervalKWh / 0.25)],
      ],
    ]);
  }
  return rows;
}

const get15minChargingSessionData: Method = async (ctx) => {
  const q = queryOf(ctx);
  if (textOf(q, 'sessionID') === undefined) throw mandatory('sessionID');
  const sessionId = positiveInt(q, 'sessionID')!;
  const interval = textOf(q, 'energyConsumedInterval');
  if (interval !== undefined && !['true', 'false', '1', '0'].includes(interval))
    throw invalid('energyConsumedInterval');
  const session = ctx.records.session(sessionId);
  if (!session) throw new ApiAnswer(132, 'Invalid session ID');
  const station = (await byStationId(ctx)).get(session.identity);
  if (!station) throw new ApiAnswer(133, 'Sessions are not within your ownership or rights realm');
  const rows = quarterHours(session, interval === 'true' || interval === '1');
  if (rows.length === 0) throw new ApiAnswer(134, 'No 15 min data found for this session');
  return answer(100, OK_TEXT, [
    ['sessionID', session.sessionId],
    ['stationID', station.stationId],
    ['portNumber', session.connectorId],
    ...rows,
  ]);
};

const UNREACHABLE = 'Unreachable';

/**
 * A station the gateway cannot reach (silent too long, or no callback address) has an "Unreachable" alarm dated at
 * its last contact for as long as that lasts; it is computed, not stored, and goes when the station is reachable.
 */
function unreachableAlarm(s: Station): AlarmRecord[] {
  if (s.reachable || s.lastContact === undefined) return [];
  return [
    { id: `${UNREACHABLE}\n${s.identity}`, identity: s.identity, connectorId: 0, type: UNREACHABLE, at: s.lastContact },
  ];
}

/** The caller's alarms matching the filters, oldest first. */
async function matchingAlarms(ctx: MethodContext): Promise<{ alarms: AlarmRecord[]; stations: Map<string, Station> }> {
  const q = queryOf(ctx);
  const stationId = stationIdField(q);
  const port = positiveInt(q, 'portNumber');
  const from = dateField(q, 'startTime');
  const to = dateField(q, 'endTime');
  if (from !== undefined && to !== undefined && from > to)
    throw new ApiAnswer(142, 'Start date cannot be greater than end date');
  const type = textOf(q, 'alarmType');
  const stations = await byStationId(ctx);
  const alarms = [...stations.values()]
    .filter((s) => !stationId || s.stationId === stationId)
    .flatMap((s) => [...ctx.records.alarms(s.identity), ...unreachableAlarm(s)])
    .filter((a) => !a.cleared && (!port || a.connectorId === port) && (!type || a.type === type))
    .filter((a) => (from === undefined || a.at >= from) && (to === undefined || a.at <= to))
    .sort((a, b) => a.at - b.at);
  if (alarms.length === 0) throw new ApiAnswer(153, 'Alarms not found');
  return { alarms, stations };
}

const getAlarms: Method = async (ctx) => {
  const { alarms, stations } = await matchingAlarms(ctx);
  const v5 = isV5(ctx);
  const { items, first, more } = page(alarms, v5 ? positiveInt(queryOf(ctx), 'startRecord') : undefined, PAGE);
  const rows = items.map((a, i): Field => {
    const s = stations.get(a.identity)!;
    return [
      'Alarms',
      [
        [v5 ? 'stationID' : 'StationID', s.stationId],
        ['stationName', nameOf(s)],
        ['sgID', v5 ? undefined : s.groups.map((g) => g.id).join(', ') || undefined],
        [v5 ? 'stationModel' : 'stationModelNum', s.model],
        ['orgID', orgId(ctx)],
        [v5 ? 'organizationName' : 'orgName', ctx.fleet.orgName],
        ['stationManufacturer', s.vendor],
        ['stationSerialNum', s.serial],
        ['portNumber', a.connectorId >= 1 ? a.connectorId : undefined],
        ['alarmType', a.type],
        ['alarmTime', isoSeconds(a.at)],
        ['recordNumber', v5 ? first + i : undefined],
      ],
    ];
  });
  return answer(100, OK_TEXT, [...rows, ['moreFlag', v5 ? (more ? 1 : 0) : undefined]]);
};

/** Clearing is the gateway's bookkeeping only: OCPP 1.5 has no command that clears a charger's fault. */
const clearAlarms: Method = async (ctx) => {
  const alarms = (await matchingAlarms(ctx)).alarms.filter((a) => a.type !== UNREACHABLE);
  if (alarms.length === 0)
    throw new ApiAnswer(153, 'Alarms not found (an Unreachable alarm ends when the station is reachable)');
  const reason = textOf(queryOf(ctx), 'clearReason');
  for (const a of alarms) ctx.records.clearAlarm(a, ctx.now, reason);
  return answer(
    100,
    `${alarms.length} alarm(s) cleared in the gateway only; the charger is not told, and its next fault report raises the alarm again.`,
  );
};

const getLoad: Method = async (ctx) => {
  const q = queryOf(ctx);
  if (!isV5(ctx) && textOf(q, 'sgID') === undefined) throw mandatory('sgID');
  const [group] = grantedGroups(ctx, positiveInt(q, 'sgID') ?? ctx.key.groups[0]);
  const stationId = stationIdField(q);
  const stations = (await ctx.stations()).filter(
    (s) => s.groups.some((g) => g.id === group!.id) && (!stationId || s.stationId === stationId),
  );
  if (stations.length === 0)
    throw new ApiAnswer(
      stationId ? 119 : 122,
      stationId ? 'Invalid Station ID' : 'No station found in this station group',
    );
  let sgLoad = 0;
  const rows = stations.map((s): Field => {
    const ports = s.ports.map((p) => ({
      portNumber: p.portNumber,
      kW: ctx.records.portLoad(s.identity, p.portNumber) ?? 0,
    }));
    const stationLoad = ports.reduce((sum, p) => sum + p.kW, 0);
    sgLoad += stationLoad;
    const common: Field[] = [
      ['stationID', s.stationId],
      ['stationName', nameOf(s)],
      ['Address', s.meta.address],
    ];
    const shed = ctx.shedder.state(s.identity);
    const shedFields: Field[] = [
      ['allowedLoad', shed?.mode === 'allowedLoad' ? shed.value : undefined],
      ['percentShed', shed?.mode === 'percentShed' ? shed.value : undefined],
    ];
    if (!isV5(ctx))
      return [
        'stationData',
        [...common, ['shedState', shed ? 1 : 0], ['stationLoad', decimal(stationLoad)], ...shedFields],
      ];
    return [
      'stationData',
      [
        ...common,
        ['stationLoad', decimal(stationLoad)],
        ...ports.map(
          (p): Field => [
            'Port',
            [['portNumber', p.portNumber], ['shedState', shed ? 1 : 0], ['portLoad', decimal(p.kW)], ...shedFields],
          ],
        ),
      ],
    ];
  });
  const head: Field[] = isV5(ctx)
    ? [
        ['sgID', group!.id],
        ['numStations', stations.length],
        ['groupName', group!.name],
        ['sgLoad', decimal(sgLoad)],
      ]
    : [
        ['sgID', group!.id],
        ['groupName', group!.name],
        ['numStations', stations.length],
        ['sgLoad', decimal(sgLoad)],
      ];
  return answer(100, OK_TEXT, [...head, ...rows]);
};

export const USAGE_METHODS: Record<string, Method> = {
  getChargingSessionData,
  get15minChargingSessionData,
  getAlarms,
  clearAlarms,
  getLoad,
};
