import type { ChangeAvailabilityRequest16, StatusResponse16 } from '../ocpp16.js';
import { sameBothWays } from '../csms-operation.js';

/** Map C: connectorId, type {Inoperative, Operative} and status {Accepted, Rejected, Scheduled} are the same. */
export const changeAvailability = sameBothWays<ChangeAvailabilityRequest16, StatusResponse16<'Accepted' | 'Rejected' | 'Scheduled'>>('ChangeAvailability');
