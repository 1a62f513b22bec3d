import { fromCsmsTime } from '../../field-rules.js';
import type { EmptyPayload, HeartbeatResponse16 } from '../../../ocpp/v16/types.js';
import type { EmptyPayload201, HeartbeatResponse201 } from '../../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';

/** docs/translation-201.md#heartbeat: `{}` both ways, currentTime back. */
export const heartbeat: ChargerInitiatedOperation<
  EmptyPayload,
  HeartbeatResponse16,
  EmptyPayload201,
  HeartbeatResponse201
> = {
  chargerAction: 'Heartbeat',
  csmsAction: 'Heartbeat',
  toCall: () => ({ kind: 'call', payload: {} }),
  toResponse: (res) => ({ currentTime: fromCsmsTime(res.currentTime) }),
};
