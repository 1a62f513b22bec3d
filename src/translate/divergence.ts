import type { CentralSystem } from '../config/migration.js';
import type { SystemAnswer } from './routing.js';

/**
 * Where the shadow system disagreed with the primary on one charger message (docs/architecture.md#divergences):
 * - decision: both answered, with different decisions (a boot status, an idTag status, a DataTransfer status);
 * - error: one answered with a Fault or CALLERROR, the other did not;
 * - missing: the shadow gave no answer in time (it is down or slow; the copy is delivered later);
 * - unmapped-transaction: the copy belongs to a transaction the shadow never saw start, and is not sent.
 */
export const DIVERGENCE_KINDS = ['decision', 'error', 'missing', 'unmapped-transaction'] as const;
export type DivergenceKind = (typeof DIVERGENCE_KINDS)[number];

export interface Divergence {
  id: string;
  identity: string;
  /** The charger operation. */
  operation: string;
  kind: DivergenceKind;
  at: string;
  /** What each system answered, in the charger's terms. */
  primary: { system: CentralSystem; answer: SystemAnswer };
  shadow: { system: CentralSystem; answer: SystemAnswer };
  /** One line for people: what differed. */
  detail: string;
}

/** The decision an answer carries, per operation; undefined when the operation carries none. */
function decisionOf(operation: string, body: object): string | undefined {
  const b = body as { status?: unknown; idTagInfo?: { status?: unknown } };
  switch (operation) {
    case 'BootNotification':
    case 'DataTransfer':
      return typeof b.status === 'string' ? b.status : undefined;
    case 'Authorize':
    case 'StartTransaction':
    case 'StopTransaction':
      return typeof b.idTagInfo?.status === 'string' ? b.idTagInfo.status : undefined;
    default:
      return undefined;
  }
}

const describe = (answer: SystemAnswer, operation: string): string => {
  switch (answer.kind) {
    case 'response':
      return decisionOf(operation, answer.body) ?? 'answered';
    case 'fault':
      return `Fault ${answer.fault.code}/${answer.fault.subcode}`;
    case 'stored':
      return 'stored';
    case 'none':
      return `no answer (${answer.reason})`;
  }
};

/**
 * The divergence between a primary's and a shadow's answer to the same message, or undefined when they agree. A
 * primary that stored the message (or never answered) leaves nothing to compare.
 */
export function divergenceOf(
  operation: string,
  primary: SystemAnswer,
  shadow: SystemAnswer,
): { kind: DivergenceKind; detail: string } | undefined {
  if (primary.kind === 'stored' || primary.kind === 'none' || shadow.kind === 'stored') return undefined;
  const line = () => `primary: ${describe(primary, operation)}; shadow: ${describe(shadow, operation)}`;
  if (shadow.kind === 'none') return { kind: 'missing', detail: line() };
  if ((primary.kind === 'fault') !== (shadow.kind === 'fault')) return { kind: 'error', detail: line() };
  if (primary.kind === 'fault' || shadow.kind === 'fault') return undefined;
  const a = decisionOf(operation, primary.body);
  const b = decisionOf(operation, shadow.body);
  return a !== b ? { kind: 'decision', detail: line() } : undefined;
}
