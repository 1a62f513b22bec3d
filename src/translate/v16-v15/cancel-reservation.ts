import type { CancelReservationRequest16, StatusResponse16 } from '../ocpp16.js';
import { sameBothWays } from '../csms-operation.js';

/** Map C: reservationId and status {Accepted, Rejected} are the same in 1.5 and 1.6. */
export const cancelReservation = sameBothWays<CancelReservationRequest16, StatusResponse16>('CancelReservation');
