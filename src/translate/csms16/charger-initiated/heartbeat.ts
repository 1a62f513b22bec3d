import type { ChargerInitiatedOperation } from '../../operation.js';
import type { EmptyPayload, HeartbeatResponse16 } from '../../../ocpp/v16/types.js';

/**
 * docs/translation.md#heartbeat: `{}` <-> empty element; currentTime 1:1. Forwarded, so the CSMS sees liveness and sets
 * the clock.
 */
export const heartbeat: ChargerInitiatedOperation<
  EmptyPayload,
  HeartbeatResponse16,
  EmptyPayload,
  HeartbeatResponse16
> = {
  chargerAction: 'Heartbeat',
  csmsAction: 'Heartbeat',
  toCall: () => ({ kind: 'call', payload: {} }),
  toResponse: (res) => res,
};
