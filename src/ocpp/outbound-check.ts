import type { CsmsProtocolModule, SchemaCheck } from './protocols.js';

/**
 * How much of what the gateway sends to the CSMS is checked against the official schemas before it goes
 * (SCHEMA_CHECK, docs/architecture.md#outbound-schema-checks): `all` (the default outside production, and in every
 * test), or `sample`: the first SAMPLE messages of each action and kind, and after them every message that carries
 * free text from a charger long enough to break a length bound. What the CSMS sends is always checked.
 */
export type OutboundCheckMode = 'all' | 'sample';

/** Messages of each (protocol, action, kind) checked before sampling starts. */
export const SAMPLE = 1_000;
/** The shortest length bound of the OCPP-J 1.6 and 2.0.1 schemas (CiString20Type, idToken 20/36). */
const SHORTEST_BOUND = 20;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/;

let mode: OutboundCheckMode = 'all';
const checked = new Map<string, number>();
let skipped = 0;

export function setOutboundCheck(next: OutboundCheckMode): void {
  mode = next;
  checked.clear();
}

/** Messages sent without a check since start (sample mode), for the metrics. */
export const outboundChecksSkipped = (): number => skipped;

/** Whether a payload holds text longer than any length bound could allow without a look (timestamps aside). */
function hasLongText(value: unknown): boolean {
  if (typeof value === 'string') return value.length > SHORTEST_BOUND && !TIMESTAMP.test(value);
  if (Array.isArray(value)) return value.some(hasLongText);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasLongText);
  return false;
}

/** The schema check of a payload the gateway built and is about to send, as SCHEMA_CHECK says. */
export function checkOutbound(
  protocol: CsmsProtocolModule,
  action: string,
  kind: 'req' | 'conf',
  payload: unknown,
): SchemaCheck {
  if (mode === 'sample') {
    const key = `${protocol.id}\n${action}\n${kind}`;
    const count = checked.get(key) ?? 0;
    if (count >= SAMPLE && !hasLongText(payload)) {
      skipped++;
      return { ok: true };
    }
    checked.set(key, count + 1);
  }
  return protocol.check(action, kind, payload);
}
