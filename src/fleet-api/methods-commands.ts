import type { XmlElement } from '../soap/xml.js';
import { ApiAnswer, type Method, type MethodContext, isV5, mandatory, positiveInt, stationIdField } from './context.js';
import type { Station } from './stations.js';
import { byName, textOf } from './request.js';
import { grantedGroups } from './methods-stations.js';
import { NOT_SUPPORTED_METHODS } from './unsupported.js';
import { type Field, answer } from './wire.js';

/**
 * Commands the API sends to chargers behind the CSMS's back: sheds where a charger has a configured key
 * (docs/fleet-api.md#load-shedding); reservations are not made yet (docs/fleet-api.md#what-is-not-backed),
 * so they get the guide's honest refusal, never a silent success.
 */

/** The stations a shed/restore request names (5.x shedQuery or the 4.1 fields); 119/120/172 when it names none of the caller's. */
async function targets(
  ctx: MethodContext,
): Promise<{ stations: Station[]; sgId?: number; stationId?: string; load: XmlElement }> {
  const q = byName(ctx.body, 'shedQuery') ?? ctx.body;
  const group = byName(q, 'shedGroup') ?? byName(q, 'sgData') ?? q;
  const one = byName(q, 'shedStation') ?? byName(q, 'sgData') ?? q;
  const load = byName(q, 'shedStation') ?? byName(q, 'shedGroup') ?? byName(q, 'sgLoadData') ?? q;
  const stationId = stationIdField(one);
  const mine = await ctx.stations();
  if (stationId) {
    const station = mine.find((s) => s.stationId === stationId);
    if (!station) throw new ApiAnswer(119, 'Invalid Station ID');
    return { stations: [station], stationId, load };
  }
  const sgId = positiveInt(group, 'sgID');
  if (sgId === undefined) throw mandatory('sgID or stationID');
  grantedGroups(ctx, sgId);
  const stations = mine.filter((s) => s.groups.some((g) => g.id === sgId));
  if (stations.length === 0) throw new ApiAnswer(122, 'No station found in this station group');
  return { stations, sgId, load };
}

/** allowedLoad (kW) or percentShed, exactly one of them, as the guide's codes check them. */
function shedValue(load: XmlElement): { mode: 'allowedLoad' | 'percentShed'; value: number } {
  const allowed = textOf(load, 'allowedLoad') ?? textOf(load, 'allowedLoadPerStation');
  const percent = textOf(load, 'percentShed') ?? textOf(load, 'percentShedPerStation');
  if ((allowed === undefined) === (percent === undefined))
    throw new ApiAnswer(173, 'Please provide either allowedLoad or percentShed');
  if (allowed !== undefined) {
    const kW = Number(allowed);
    if (!Number.isFinite(kW) || kW <= 0)
      throw new ApiAnswer(130, 'Invalid value. Please enter a value greater than zero');
    return { mode: 'allowedLoad', value: kW };
  }
  const pct = Number(percent);
  if (!Number.isInteger(pct) || pct <= 0) throw new ApiAnswer(123, 'Invalid shed percentage');
  if (pct > 100)
    throw new ApiAnswer(
      174,
      'Please provide a parameter less than or equal to 100 while shedding load using percentShed',
    );
  return { mode: 'percentShed', value: pct };
}

function minutesOf(ctx: MethodContext): number {
  const q = byName(ctx.body, 'shedQuery') ?? ctx.body;
  const text = textOf(q, 'timeInterval');
  if (text === undefined) throw mandatory('timeInterval');
  if (!/^\d{1,6}$/.test(text)) throw new ApiAnswer(124, 'Invalid time interval');
  return Number(text);
}

const shedLoad: Method = async (ctx) => {
  const { stations, sgId, stationId, load } = await targets(ctx);
  const { mode, value } = shedValue(load);
  const minutes = minutesOf(ctx);
  const unsupported = stations.filter((s) => !ctx.shedder.supports(s.identity));
  const failed: Field[] = [['Success', 0]];
  if (unsupported.length > 0)
    return stationId
      ? answer(
          176,
          'Shedding failed, station does not support allowedLoad feature (no shed key configured for it)',
          failed,
        )
      : answer(
          175,
          'Shedding failed, because some of the station(s) in this group do not support shedding via absolute load method',
          failed,
        );
  const unreachable = stations.find((s) => !s.reachable);
  if (unreachable)
    return answer(
      115,
      `Station is unreachable OR maintenance is required at the moment. Please try again later (${unreachable.stationId})`,
      failed,
    );
  const texts: string[] = [];
  for (const s of stations) {
    const outcome = await ctx.shedder.shed(s.identity, mode, value, minutes, ctx.now);
    if (outcome.code !== 100) return answer(outcome.code, `${outcome.text} (${s.stationId})`, failed);
    texts.push(`${s.stationId}: ${outcome.text}`);
  }
  const v5 = isV5(ctx);
  return answer(100, texts.join('; '), [
    ['Success', 1],
    ['sgID', sgId],
    ['stationID', stationId],
    [v5 ? 'allowedLoadPerStation' : 'allowedLoad', mode === 'allowedLoad' ? value : undefined],
    [v5 ? 'percentShedPerStation' : 'percentShed', mode === 'percentShed' ? value : undefined],
  ]);
};

const clearShedState: Method = async (ctx) => {
  const { stations, sgId, stationId } = await targets(ctx);
  const texts: string[] = [];
  for (const s of stations) {
    const outcome = await ctx.shedder.restore(s.identity);
    if (outcome.code !== 100) return answer(outcome.code, `${outcome.text} (${s.stationId})`, [['Success', 0]]);
    texts.push(`${s.stationId}: ${outcome.text}`);
  }
  return answer(100, texts.join('; '), [
    ['Success', 1],
    ['sgID', sgId],
    ['stationID', stationId],
  ]);
};

const notSupported: Method = () => answer(101, 'not supported by this gateway');

export const COMMAND_METHODS: Record<string, Method> = {
  shedLoad,
  clearShedState,
  ...Object.fromEntries(NOT_SUPPORTED_METHODS.map((m) => [m, notSupported])),
};
