import type { ChangeAvailabilityRequest16, StatusResponse16 } from '../../ocpp/v16/types.js';
import { sameBothWays } from '../csms-operation.js';

/**
 * docs/translation.md#changeavailability: connectorId, type {Inoperative, Operative} and status {Accepted, Rejected,
 * Scheduled} are the same.
 */
export const changeAvailability = sameBothWays<
  ChangeAvailabilityRequest16,
  StatusResponse16<'Accepted' | 'Rejected' | 'Scheduled'>
>('ChangeAvailability');
