import type {
  BootNotificationResponse15,
  HeartbeatResponse15,
  StatusNotificationRequest15,
} from '../../ocpp/v15/types.js';
import type { MessagePolicy } from '../source-policy.js';

const empty = () => ({});

/**
 * The ten OCPP 1.5 CentralSystemService operations and how each is delivered (docs/translation.md#store-and-forward).
 * Transactions and status changes are never dropped over the queue bound; a Heartbeat over it is answered at once;
 * the rest are refused with 503 so that the charger keeps them.
 */
const POLICIES: MessagePolicy[] = [
  {
    action: 'Authorize',
    storeAndForward: false,
    overflow: 'refuse',
    needsRegistration: true,
    offline: 'cached-authorization',
  },
  {
    action: 'BootNotification',
    storeAndForward: false,
    overflow: 'refuse',
    needsRegistration: false,
    // OCPP-J 1.6 section 3.2 and errata 3.68: HTTP 404 on the handshake is JSON's BootNotification Rejected.
    unknownIdentityAnswer: (now: string, retryIntervalSec: number): BootNotificationResponse15 => ({
      status: 'Rejected',
      currentTime: now,
      heartbeatInterval: retryIntervalSec,
    }),
  },
  { action: 'DataTransfer', storeAndForward: false, overflow: 'refuse', needsRegistration: true },
  {
    action: 'DiagnosticsStatusNotification',
    storeAndForward: true,
    overflow: 'always-queue',
    needsRegistration: true,
    localResponse: empty,
  },
  {
    action: 'FirmwareStatusNotification',
    storeAndForward: true,
    overflow: 'always-queue',
    needsRegistration: true,
    localResponse: empty,
  },
  {
    action: 'Heartbeat',
    storeAndForward: true,
    overflow: 'answer-locally',
    needsRegistration: true,
    localResponse: (_request: unknown, now: string): HeartbeatResponse15 => ({ currentTime: now }),
  },
  {
    action: 'MeterValues',
    storeAndForward: true,
    overflow: 'refuse',
    needsRegistration: true,
    carriesTransactionId: true,
    localResponse: empty,
  },
  {
    action: 'StartTransaction',
    storeAndForward: false,
    overflow: 'always-queue',
    needsRegistration: true,
    offline: 'local-transaction',
  },
  {
    action: 'StatusNotification',
    storeAndForward: true,
    overflow: 'always-queue',
    needsRegistration: true,
    supersedeKey: (request: StatusNotificationRequest15) => String(request.connectorId),
    localResponse: empty,
  },
  {
    action: 'StopTransaction',
    storeAndForward: true,
    overflow: 'always-queue',
    needsRegistration: true,
    carriesTransactionId: true,
    localResponse: empty,
  },
];

export const policies15: ReadonlyMap<string, MessagePolicy> = new Map(POLICIES.map((p) => [p.action, p]));
