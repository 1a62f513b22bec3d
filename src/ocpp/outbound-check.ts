import type { CsmsProtocol, CsmsProtocolModule, SchemaCheck, TextRules } from './protocols.js';

/**
 * How much of what the gateway sends to the CSMS is checked against the official schemas before it goes
 * (SCHEMA_CHECK, docs/architecture.md#outbound-schema-checks): `all` (the default outside production, and in every
 * test), or `sample`: the first SAMPLE messages of each action and kind, and after them every message that carries
 * free text from a charger long enough to break a length bound. A value of the enumeration its property name has in
 * the schema (a measurand, a reading context) is not free text: it is valid where it stands; nor is a string within
 * the smallest bound its property name has wherever it appears (the 2.0.1 transactionId the gateway mints). What the
 * CSMS sends is always checked.
 */
export type OutboundCheckMode = 'all' | 'sample';

/** Messages of each (protocol, action, kind) checked before sampling starts. */
export const SAMPLE = 1_000;
/** The shortest length bound of the OCPP-J 1.6 and 2.0.1 schemas (CiString20Type, idToken 20/36). */
const SHORTEST_BOUND = 20;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/;

let mode: OutboundCheckMode = 'all';
/** Of one action and kind: the payloads checked so far, and what the schema says about its strings by name. */
interface Sampled {
  count: number;
  rules: TextRules;
}
/** By protocol, kind and action: maps rather than a key string built for every message. */
const checked = new Map<CsmsProtocol, Record<'req' | 'conf', Map<string, Sampled>>>();
let skipped = 0;

export function setOutboundCheck(next: OutboundCheckMode): void {
  mode = next;
  checked.clear();
}

function sampledOf(protocol: CsmsProtocolModule, action: string, kind: 'req' | 'conf'): Sampled {
  let byKind = checked.get(protocol.id);
  if (!byKind) checked.set(protocol.id, (byKind = { req: new Map(), conf: new Map() }));
  let sampled = byKind[kind].get(action);
  if (!sampled) byKind[kind].set(action, (sampled = { count: 0, rules: protocol.textRulesOf(action, kind) }));
  return sampled;
}

/** Messages sent without a check since start (sample mode), for the metrics. */
export const outboundChecksSkipped = (): number => skipped;

/**
 * Whether a string may break a length bound: longer than the shortest bound, not a value of the enumeration under its
 * property's name, longer than every bound its name has, and not a timestamp.
 */
function isLongText(value: string, rules: TextRules, name: string | undefined): boolean {
  if (value.length <= SHORTEST_BOUND) return false;
  if (name !== undefined && (rules.enums.get(name)?.has(value) || value.length <= (rules.bounds.get(name) ?? 0)))
    return false;
  return !TIMESTAMP.test(value);
}

/**
 * Whether a payload holds text longer than any length bound could allow without a look (isLongText). `name` is the
 * property `value` stands under (an array's items stand under the array's).
 */
function hasLongText(value: unknown, rules: TextRules, name?: string): boolean {
  if (typeof value === 'string') return isLongText(value, rules, name);
  if (Array.isArray(value)) {
    for (const item of value) if (hasLongText(item, rules, name)) return true;
  } else if (value !== null && typeof value === 'object') {
    const fields = value as Record<string, unknown>;
    for (const key in fields) if (hasLongText(fields[key], rules, key)) return true;
  }
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
    const seen = sampledOf(protocol, action, kind);
    if (seen.count >= SAMPLE && !hasLongText(payload, seen.rules)) {
      skipped++;
      return { ok: true };
    }
    seen.count++;
  }
  return protocol.check(action, kind, payload);
}
