import { ApiAnswer, type Method, type MethodContext, positiveInt, queryOf, stationIdField } from './context.js';
import { byName, textOf } from './request.js';
import { grantedGroups } from './methods-stations.js';
import { type Field, answer } from './wire.js';

/**
 * Commands the API would send to chargers behind the CSMS's back (docs/chargepoint-api.md#what-is-not-backed). This
 * gateway has no vendor shed mapping and no reservable charger yet, so every such request gets the guide's honest
 * refusal, never a silent success.
 */

/** The station or group a shed/restore request names; 119/120 when the caller does not have it. */
async function target(ctx: MethodContext): Promise<'station' | 'group'> {
  const q = byName(ctx.body, 'shedQuery') ?? ctx.body;
  const sg = byName(q, 'shedGroup') ?? byName(q, 'sgData') ?? q;
  const st = byName(q, 'shedStation') ?? byName(q, 'sgData') ?? q;
  const stationId = stationIdField(st);
  if (stationId) {
    if (!(await ctx.stations()).some((s) => s.stationId === stationId)) throw new ApiAnswer(119, 'Invalid Station ID');
    return 'station';
  }
  const sgId = positiveInt(sg, 'sgID');
  if (sgId === undefined)
    throw new ApiAnswer(172, 'Please provide all the mandatory fields to make this call (sgID or stationID)');
  grantedGroups(ctx, sgId);
  return 'group';
}

const shedLoad: Method = async (ctx) => {
  const kind = await target(ctx);
  const failed: Field[] = [['Success', 0]];
  return kind === 'station'
    ? answer(
        176,
        'Shedding failed, station does not support allowedLoad feature (no vendor shed key configured in this gateway)',
        failed,
      )
    : answer(
        175,
        'Shedding failed, because some of the station(s) in this group do not support shedding via absolute load method',
        failed,
      );
};

const clearShedState: Method = async (ctx) => {
  await target(ctx);
  return answer(100, 'Nothing to restore: no shed is in force on these stations.', [['Success', 1]]);
};

const notReservable: Method = async (ctx) => {
  const stationId = stationIdField(queryOf(ctx));
  if (stationId && !(await ctx.stations()).some((s) => s.stationId === stationId))
    throw new ApiAnswer(119, 'Invalid Station ID');
  return answer(128, 'This station is not reservable');
};

const noReservation: Method = () => answer(148, 'No reservation found');

const getReservableStations: Method = () =>
  answer(102, 'No station found for given criteria (no station is reservable)');

const cancelReservation: Method = (ctx) => {
  if (textOf(queryOf(ctx), 'reservationHandle') === undefined)
    return answer(172, 'Please provide all the mandatory fields to make this call (reservationHandle)');
  return answer(113, 'Invalid reservation handle');
};

/** Methods nothing in OCPP backs (driver accounts, prices, holds, feeds): 101, the guide's "not in your plan". */
const NOT_SUPPORTED = [
  'getChargePointCards',
  'getStationResOpenings',
  'priceReservation',
  'priceAndHoldReservation',
  'cancelReservationHold',
  'getUsers',
  'updateUserStatus',
  'setWaitlistDone',
  'getTransactionData',
  'createLoadShedEvent',
  'removeLoadShedEvent',
  'registerFeeds',
  'updateFeed',
];

const notSupported: Method = () => answer(101, 'not supported by this gateway');

export const COMMAND_METHODS: Record<string, Method> = {
  shedLoad,
  clearShedState,
  confirmReservation: notReservable,
  getReservableStations,
  getReservationDetails: noReservation,
  getDriverReservations: noReservation,
  cancelReservation,
  ...Object.fromEntries(NOT_SUPPORTED.map((m) => [m, notSupported])),
};
