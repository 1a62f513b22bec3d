import type { MessagePolicy } from '../translate/source-policy.js';

/**
 * What happens to a charger message when `queuedAhead` of its messages are queued already
 * (docs/translation.md#store-and-forward).
 */
export type OverflowDecision = 'queue' | 'answer-locally' | 'refuse';

/**
 * Below the bound everything is queued; above it, each operation's overflow class decides: transactions and status
 * changes are queued anyway (never dropped), a Heartbeat is answered at once, everything else is refused with 503 so
 * that the charger keeps the message and sends it again: the gateway never drops a message it acknowledged.
 */
export function overflowDecision(
  policy: Pick<MessagePolicy, 'overflow'>,
  queuedAhead: number,
  max: number,
): OverflowDecision {
  if (queuedAhead < max || policy.overflow === 'always-queue') return 'queue';
  return policy.overflow;
}
