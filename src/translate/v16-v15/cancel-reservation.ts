import type { CancelReservationRequest16, StatusResponse16 } from '../../ocpp/v16/types.js';
import { sameBothWays } from '../csms-operation.js';

/** docs/translation.md#cancelreservation: reservationId and status {Accepted, Rejected} are the same in 1.5 and 1.6. */
export const cancelReservation = sameBothWays<CancelReservationRequest16, StatusResponse16>('CancelReservation');
