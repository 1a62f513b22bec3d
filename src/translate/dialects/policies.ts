import type { DialectFacts } from '../../ocpp/dialects.js';
import type { HeartbeatResponse15, StatusNotificationRequest15 } from '../../ocpp/v15/types.js';
import type { MessagePolicy } from '../source-policy.js';

const empty = () => ({});

/**
 * The CentralSystemService operations of the SOAP dialects and how each is delivered
 * (docs/translation.md#store-and-forward), the same in every dialect: transactions and status changes are never
 * dropped over the queue bound; a Heartbeat over it is answered at once; the rest are refused with 503 so that the
 * charger keeps them.
 */
function policies(facts: DialectFacts): MessagePolicy[] {
  return [
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
      unknownIdentityAnswer: (now: string, retryIntervalSec: number) => ({
        status: 'Rejected',
        currentTime: now,
        [facts.bootAnswer.intervalField]: retryIntervalSec,
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
      supersedeKey: (request: Pick<StatusNotificationRequest15, 'connectorId'>) => String(request.connectorId),
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
}

/** The policies of a dialect's operations, by action; `actions` are the CentralSystemService operations it has. */
export function policiesOf(facts: DialectFacts, actions: Iterable<string>): ReadonlyMap<string, MessagePolicy> {
  const wanted = new Set(actions);
  return new Map(policies(facts).flatMap((p) => (wanted.has(p.action) ? [[p.action, p] as const] : [])));
}
