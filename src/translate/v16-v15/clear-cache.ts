import type { EmptyPayload, StatusResponse16 } from '../../ocpp/v16/types.js';
import { sameBothWays } from '../csms-operation.js';

/** docs/translation.md#clearcache: `{}` -> empty element; status {Accepted, Rejected}. */
export const clearCache = sameBothWays<EmptyPayload, StatusResponse16>('ClearCache');
