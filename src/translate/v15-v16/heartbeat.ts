import { fromCsmsTime } from '../common.js';
import type { HeartbeatRequest15, HeartbeatResponse15 } from '../../ocpp/v15/types.js';
import type { EmptyPayload, HeartbeatResponse16 } from '../../ocpp/v16/types.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/**
 * docs/translation.md#heartbeat: `{}` <-> empty element; currentTime 1:1. Forwarded, so the CSMS sees liveness and sets
 * the clock.
 */
export const heartbeat: ChargerInitiatedOperation<
  HeartbeatRequest15,
  HeartbeatResponse15,
  EmptyPayload,
  HeartbeatResponse16
> = {
  chargerAction: 'Heartbeat',
  csmsAction: 'Heartbeat',
  toCall: () => ({ kind: 'call', payload: {} }),
  toResponse: (res) => ({ currentTime: fromCsmsTime(res.currentTime) }),
};
