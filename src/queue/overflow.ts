/**
 * What happens to a charger message when the charger already has `maxQueuedPerCharger` messages queued (issue 4):
 * transactions and status changes are always queued (never dropped); a Heartbeat is answered without queueing
 * (it carries nothing to bill); everything else is refused with HTTP 503, so the charger keeps the message and sends
 * it again later: the gateway never drops a message it acknowledged.
 */
export type OverflowDecision = 'queue' | 'answer-locally' | 'refuse';

const ALWAYS_QUEUED: ReadonlySet<string> = new Set([
  'StartTransaction',
  'StopTransaction',
  'StatusNotification',
  'FirmwareStatusNotification',
  'DiagnosticsStatusNotification',
]);

export function overflowDecision(action: string, queued: number, max: number): OverflowDecision {
  if (queued < max || ALWAYS_QUEUED.has(action)) return 'queue';
  return action === 'Heartbeat' ? 'answer-locally' : 'refuse';
}
