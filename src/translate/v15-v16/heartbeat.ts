import { fromCsmsTime } from '../common.js';
import type { HeartbeatRequest15, HeartbeatResponse15 } from '../ocpp15.js';
import type { EmptyPayload, HeartbeatResponse16 } from '../ocpp16.js';
import type { ChargerInitiatedOperation } from '../operation.js';

/** Map B.6: `{}` <-> empty element; currentTime 1:1. Forwarded, so the CSMS sees liveness and sets the clock. */
export const heartbeat: ChargerInitiatedOperation<HeartbeatRequest15, HeartbeatResponse15, EmptyPayload, HeartbeatResponse16> = {
  action: 'Heartbeat',
  storeAndForward: true,
  localResponse: (_request, now) => ({ currentTime: now }),
  toCall: () => ({ kind: 'call', payload: {} }),
  toResponse: (res) => ({ currentTime: fromCsmsTime(res.currentTime) }),
};
