import {
  ApiAnswer,
  type Method,
  type MethodContext,
  dateField,
  mandatory,
  positiveInt,
  queryOf,
  stationIdField,
} from './context.js';
import { stationRecord } from './methods-stations.js';
import { textOf } from './request.js';
import type { Reservation } from './reservations.js';
import { type Field, OK_TEXT, answer, isoSeconds } from './wire.js';

/** Immediate reservations on reservable chargers (docs/fleet-api.md#reservations); 4.1 methods. */

async function mine(ctx: MethodContext): Promise<Map<string, string>> {
  return new Map((await ctx.stations()).map((s) => [s.identity, s.stationId]));
}

/** The reservation a request's reservationHandle names, if it is one of the caller's stations' (else 145/117). */
async function named(ctx: MethodContext, othersCode: number, othersText: string): Promise<Reservation> {
  const q = queryOf(ctx);
  if (textOf(q, 'reservationHandle') === undefined) throw mandatory('reservationHandle');
  const handle = textOf(q, 'reservationHandle')!;
  const reservation = /^\d{1,10}$/.test(handle) ? ctx.reservations.get(Number(handle)) : undefined;
  if (!reservation) throw new ApiAnswer(148, 'No reservation found');
  if (!(await mine(ctx)).has(reservation.identity)) throw new ApiAnswer(othersCode, othersText);
  return reservation;
}

const confirmReservation: Method = async (ctx) => {
  const q = queryOf(ctx);
  for (const name of ['stationID', 'portNumber', 'serialNumber', 'startTime', 'Duration'])
    if (textOf(q, name) === undefined) throw mandatory(name);
  const stationId = stationIdField(q)!;
  const port = positiveInt(q, 'portNumber')!;
  const start = (() => {
    try {
      return dateField(q, 'startTime')!;
    } catch {
      throw new ApiAnswer(106, 'Invalid future date. Provide valid future date');
    }
  })();
  const duration = textOf(q, 'Duration')!;
  if (!/^\d{1,5}$/.test(duration) || Number(duration) < 1)
    throw new ApiAnswer(107, 'Invalid duration. Provide valid duration');
  const station = (await ctx.stations()).find((s) => s.stationId === stationId);
  if (!station) throw new ApiAnswer(119, 'Invalid Station ID');
  if (!station.ports.some((p) => p.portNumber === port)) throw new ApiAnswer(171, 'Invalid Parameters portNumber');
  if (ctx.reservations.reservable(station.identity) && !station.reachable)
    throw new ApiAnswer(115, 'Station is unreachable OR maintenance is required at the moment. Please try again later');
  const serial = textOf(q, 'serialNumber')!;
  const outcome = await ctx.reservations.confirm(station.identity, port, serial, start, Number(duration), ctx.now);
  return answer(outcome.code, outcome.text, [
    ['reservationHandle', outcome.reservation?.reservationId],
    ['portNumber', outcome.reservation?.connectorId],
  ]);
};

const cancelReservation: Method = async (ctx) => {
  const reservation = await named(ctx, 117, 'You can not cancel reservation made by others');
  const outcome = await ctx.reservations.cancel(reservation.reservationId, ctx.now);
  return answer(outcome.code, outcome.text, [['reservationHandle', reservation.reservationId]]);
};

const getReservationDetails: Method = async (ctx) => {
  const r = await named(ctx, 145, 'You can not retrieve details of reservation made by others');
  return answer(100, r.cancelled ? `${OK_TEXT} (cancelled)` : OK_TEXT, [
    ['reservationHandle', r.reservationId],
    ['portNumber', r.connectorId],
    ['startTime', isoSeconds(r.start)],
    ['endTime', isoSeconds(r.end)],
    ['duration', Math.round((r.end - r.start) / 60_000)],
  ]);
};

const getDriverReservations: Method = async (ctx) => {
  const q = queryOf(ctx);
  const serial = textOf(q, 'serialNumber');
  if (serial === undefined) throw mandatory('serialNumber');
  const from = dateField(q, 'startTime');
  const to = dateField(q, 'endTime');
  if (from !== undefined && to !== undefined && from > to)
    throw new ApiAnswer(142, 'Start date cannot be greater than end date');
  const stations = await mine(ctx);
  const found = ctx.reservations
    .all()
    .filter((r) => r.idTag === serial && !r.cancelled && stations.has(r.identity))
    .filter((r) => (from === undefined || r.end >= from) && (to === undefined || r.start <= to));
  if (found.length === 0) throw new ApiAnswer(148, 'No reservation found');
  return answer(100, OK_TEXT, [
    ['serialNumber', serial],
    ...found.map(
      (r): Field => [
        'reservationData',
        [
          ['reservationHandle', r.reservationId],
          ['portNumber', r.connectorId],
          ['startTime', isoSeconds(r.start)],
          ['endTime', isoSeconds(r.end)],
        ],
      ],
    ),
  ]);
};

const getReservableStations: Method = async (ctx) => {
  const stations = (await ctx.stations()).filter((s) => ctx.reservations.reservable(s.identity));
  if (stations.length === 0) throw new ApiAnswer(102, 'No station found for given criteria (no station is reservable)');
  return answer(
    100,
    OK_TEXT,
    stations.map((s): Field => ['stationData', stationRecord(ctx, s)]),
  );
};

export const RESERVATION_METHODS: Record<string, Method> = {
  confirmReservation,
  cancelReservation,
  getReservationDetails,
  getDriverReservations,
  getReservableStations,
};
