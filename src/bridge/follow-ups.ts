import { checkOutbound } from '../ocpp/outbound-check.js';
import type { SchemaCheck } from '../ocpp/protocols.js';
import { csmsProtocolModule } from '../ocpp/csms-protocols.js';
import type { ChargerRegistry } from '../state/registry.js';
import type { TranslationOptions } from '../translate/context.js';
import type { FollowUpCall } from '../translate/operation.js';
import type { TranslationTables } from '../translate/tables.js';
import type { Logger } from '../util/log.js';
import type { UpstreamCalls } from './csms-sender.js';
import { isoTime } from '../util/iso-time.js';

/**
 * Sends the CALLs the gateway owes the CSMS on a charger's behalf (synthesised status transitions, triggered
 * messages), in order, on that charger's connection. Best effort: a failure is logged, never retried in a loop.
 * A follow-up that stands for a charger message (a re-sent BootNotification) has its answer applied to the state by
 * that operation's reducer. A CALL its protocol's schema refuses is logged and not sent (a status stored under another
 * protocol, replayed by TriggerMessage; docs/translation-201.md#common-rules).
 */
export async function sendFollowUps(
  identity: string,
  followUps: readonly FollowUpCall[],
  deps: {
    upstream: UpstreamCalls;
    registry: Pick<ChargerRegistry, 'states'>;
    tables: TranslationTables;
    timeoutMs: number;
    options: TranslationOptions;
    /**
     * The logger of the message or command the follow-ups belong to, asked for only when there is something to log: a
     * child logger costs a serialisation of its bindings, and a message with follow-ups is common (every status).
     */
    log: () => Logger;
    /** Whether info lines are logged, so that a sent follow-up makes no child logger when they are not. */
    infoEnabled: boolean;
  },
): Promise<void> {
  const protocol = csmsProtocolModule(deps.tables.target);
  for (const call of followUps) {
    const valid: SchemaCheck = protocol ? checkOutbound(protocol, call.action, 'req', call.payload) : { ok: true };
    if (!valid.ok) {
      deps
        .log()
        .error(
          { followUp: call.action, payload: call.payload, schemaError: valid.message },
          `${call.action} on the charger's behalf is not valid ${deps.tables.target}; not sent`,
        );
      continue;
    }
    try {
      const result = await deps.upstream.get(identity).call(call.action, call.payload, Date.now() + deps.timeoutMs);
      if (deps.infoEnabled) deps.log().info({ followUp: call.action }, `sent ${call.action} on the charger's behalf`);
      const source = call.source;
      const reduce = source && deps.tables.chargerInitiated.get(source.action)?.reduce;
      if (source && reduce) {
        const ctx = { receivedAt: isoTime(Date.now()), options: deps.options, notes: [] };
        await deps.registry.states.update(
          identity,
          (state) => reduce(state, { request: source.request, call: call.payload, result, response: {} }, ctx).state,
        );
      }
    } catch (err) {
      deps
        .log()
        .warn(
          { err: (err as Error).message, followUp: call.action },
          `${call.action} on the charger's behalf not delivered`,
        );
    }
  }
}
