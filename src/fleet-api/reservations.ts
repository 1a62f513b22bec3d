import type { StationMetadata } from '../config/fleet-api.js';
import type { RecordsPersistence } from './persistence.js';
import type { ChargerCommand } from './shed.js';

export interface Reservation {
  reservationId: number;
  identity: string;
  connectorId: number;
  idTag: string;
  start: number;
  end: number;
  cancelled?: number;
}

export interface ReservationOutcome {
  code: number;
  text: string;
  reservation?: Reservation;
}

/** How far a requested start may lie from now: ReserveNow books from now on, never a later slot. */
const NOW_TOLERANCE_MS = 5 * 60_000;

/**
 * Immediate reservations through ReserveNow/CancelReservation on chargers configured as reservable
 * (docs/fleet-api.md#reservations), with reservationIds from a range of the gateway's own. Only reservations
 * made through the API are known here; the CSMS's own are not seen.
 */
export class Reservations {
  private readonly byId = new Map<number, Reservation>();
  private nextId: number;
  private persistence?: RecordsPersistence;

  constructor(
    private readonly stations: (identity: string) => StationMetadata | undefined,
    private readonly command: ChargerCommand,
    private readonly canCommand: () => boolean,
    base: number,
  ) {
    this.nextId = base;
  }

  reservable(identity: string): boolean {
    return this.canCommand() && this.stations(identity)?.reservable === true;
  }

  async persistIn(persistence: RecordsPersistence): Promise<void> {
    this.persistence = persistence;
    for (const [, value] of await persistence.load('reservation')) {
      const r = value as Reservation;
      this.byId.set(r.reservationId, r);
      this.nextId = Math.max(this.nextId, r.reservationId + 1);
    }
  }

  get(reservationId: number): Reservation | undefined {
    return this.byId.get(reservationId);
  }

  all(): Reservation[] {
    return [...this.byId.values()];
  }

  async confirm(
    identity: string,
    connectorId: number,
    idTag: string,
    start: number,
    minutes: number,
    now: number,
  ): Promise<ReservationOutcome> {
    if (!this.reservable(identity)) return { code: 128, text: 'This station is not reservable' };
    if (Math.abs(start - now) > NOW_TOLERANCE_MS)
      return {
        code: 112,
        text: 'Station can not be reserved at this moment: only reservations starting now can be made',
      };
    const reservation: Reservation = {
      reservationId: this.nextId++,
      identity,
      connectorId,
      idTag,
      start: now,
      end: now + minutes * 60_000,
    };
    let status: unknown;
    try {
      ({ status } = await this.command(identity, 'ReserveNow', {
        connectorId,
        expiryDate: new Date(reservation.end).toISOString(),
        idTag,
        reservationId: reservation.reservationId,
      }));
    } catch (err) {
      return {
        code: 115,
        text: `Station is unreachable OR maintenance is required at the moment (${(err as Error).message})`,
      };
    }
    if (status === 'Rejected')
      return { code: 112, text: 'Station can not be reserved at this moment (the charger rejected it)' };
    if (status !== 'Accepted') return { code: 109, text: `Station not available (${String(status)})` };
    this.byId.set(reservation.reservationId, reservation);
    this.persistence?.put('reservation', String(reservation.reservationId), reservation);
    return { code: 100, text: 'Reservation accepted by the charger', reservation };
  }

  async cancel(reservationId: number, now: number): Promise<ReservationOutcome> {
    const reservation = this.byId.get(reservationId);
    if (!reservation) return { code: 113, text: 'Invalid reservation handle' };
    if (reservation.cancelled) return { code: 116, text: 'Reservation has been previously cancelled' };
    let status: unknown;
    try {
      ({ status } = await this.command(reservation.identity, 'CancelReservation', { reservationId }));
    } catch (err) {
      return {
        code: 137,
        text: `Unable to cancel the existing reservation at this moment (${(err as Error).message})`,
      };
    }
    if (status !== 'Accepted')
      return { code: 137, text: `Unable to cancel the existing reservation: the charger answered ${String(status)}` };
    reservation.cancelled = now;
    this.persistence?.put('reservation', String(reservationId), reservation);
    return { code: 100, text: 'Reservation cancelled', reservation };
  }
}
