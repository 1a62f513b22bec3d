import type { EmptyPayload, GetLocalListVersionResponse16 } from '../ocpp16.js';
import { sameBothWays } from '../csms-operation.js';

/** Map C: `{}` -> empty element; listVersion 1:1 (0 = empty list, -1 = not supported, 1.6 section 5.10). */
export const getLocalListVersion = sameBothWays<EmptyPayload, GetLocalListVersionResponse16>('GetLocalListVersion');
