import type { EmptyPayload, GetLocalListVersionResponse16 } from '../../ocpp/v16/types.js';
import { sameBothWays } from '../csms-operation.js';

/**
 * docs/translation.md#getlocallistversion: `{}` -> empty element; listVersion 1:1 (0 = empty list, -1 = not supported, 1.6
 * section 5.10).
 */
export const getLocalListVersion = sameBothWays<EmptyPayload, GetLocalListVersionResponse16>('GetLocalListVersion');
