import type { Logger } from '../log.js';
import type { ChargerRegistry } from '../state/registry.js';
import type { TranslationOptions } from '../translate/common.js';
import type { FollowUpCall } from '../translate/operation.js';
import { chargerInitiated15to16 } from '../translate/registry.js';
import type { UpstreamPool } from '../upstream/pool.js';

/**
 * Sends the CALLs the gateway owes the CSMS on a charger's behalf (synthesised status transitions, triggered
 * messages), in order, on that charger's connection. Best effort: a failure is logged, never retried in a loop.
 * A follow-up that stands for a 1.5 request (a re-sent BootNotification) has its answer applied to the state.
 */
export async function sendFollowUps(
  identity: string,
  followUps: readonly FollowUpCall[],
  deps: { upstream: UpstreamPool; registry: ChargerRegistry; timeoutMs: number; options: TranslationOptions; logger: Logger },
): Promise<void> {
  for (const call of followUps) {
    try {
      const result = await deps.upstream.get(identity).call(call.action, call.payload, Date.now() + deps.timeoutMs);
      deps.logger.info({ followUp: call.action }, `sent ${call.action} on the charger's behalf`);
      const reduce = chargerInitiated15to16.get(call.action)?.reduce;
      if (call.request15 !== undefined && reduce) {
        const ctx = { receivedAt: new Date().toISOString(), options: deps.options, notes: [] };
        await deps.registry.update(identity, (state) => reduce(state, { request: call.request15, call: call.payload, result, response: {} }, ctx).state);
      }
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message, followUp: call.action }, `${call.action} on the charger's behalf not delivered`);
    }
  }
}
