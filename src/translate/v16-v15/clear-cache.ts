import type { EmptyPayload, StatusResponse16 } from '../ocpp16.js';
import { sameBothWays } from '../csms-operation.js';

/** Map C: `{}` -> empty element; status {Accepted, Rejected}. */
export const clearCache = sameBothWays<EmptyPayload, StatusResponse16>('ClearCache');
