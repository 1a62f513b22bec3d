import type { Arrangement, CentralSystem, RouteName } from '../config/migration.js';
import { arrangementOf } from '../config/migration.js';
import type { SoapFault } from '../ocpp/soap-fault.js';

/**
 * Which central system owns each open transaction of a charger, and the shadow system's ids for them
 * (docs/architecture.md#migration-routing). Pure: the bridge loads it, these functions compute the next one.
 */
export interface RoutingState {
  /** By the transaction id the charger uses: who was primary (and shadow) when it started. */
  transactions: Record<string, Arrangement & { startedAt: string }>;
  /** By the transaction id the charger uses: the shadow system's own id for the same session. */
  shadowIds: Record<string, number>;
}

export const emptyRouting = (): RoutingState => ({ transactions: {}, shadowIds: {} });

/** What one central system answered a charger message, in the charger's (1.5) terms. */
export type SystemAnswer =
  | { kind: 'response'; body: object }
  | { kind: 'fault'; fault: SoapFault }
  /** Stored for later delivery: the system did not answer at once. */
  | { kind: 'stored' }
  /** No answer: unavailable, timed out, or the charger was told to retry. */
  | { kind: 'none'; reason: string };

/** Operations that belong to a transaction by the id they carry. */
const IN_TRANSACTION = new Set(['MeterValues', 'StopTransaction']);

export function transactionIdOf(action: string, request: unknown): number | undefined {
  if (!IN_TRANSACTION.has(action)) return undefined;
  const id = (request as { transactionId?: unknown } | undefined)?.transactionId;
  return typeof id === 'number' ? id : undefined;
}

/**
 * Where a charger message goes: a message of an open transaction to the systems that saw it start (no transaction
 * is split between two systems); anything else as the charger's route says now.
 */
export function arrangementFor(action: string, request: unknown, routing: RoutingState, route: RouteName): Arrangement {
  const id = transactionIdOf(action, request);
  const owner = id === undefined ? undefined : routing.transactions[String(id)];
  if (!owner) return arrangementOf(route);
  return owner.shadow ? { primary: owner.primary, shadow: owner.shadow } : { primary: owner.primary };
}

/** The routing after the primary system answered: a started transaction is owned, a stopped one is let go. */
export function afterPrimary(
  routing: RoutingState,
  action: string,
  request: unknown,
  answer: SystemAnswer,
  arrangement: Arrangement,
  at: string,
): RoutingState {
  if (action === 'StartTransaction' && answer.kind === 'response') {
    const id = (answer.body as { transactionId?: unknown }).transactionId;
    if (typeof id !== 'number') return routing;
    return { ...routing, transactions: { ...routing.transactions, [String(id)]: { ...arrangement, startedAt: at } } };
  }
  if (action === 'StopTransaction' && answer.kind !== 'none') {
    const id = transactionIdOf(action, request);
    if (id === undefined || !routing.transactions[String(id)]) return routing;
    const { [String(id)]: _stopped, ...transactions } = routing.transactions;
    return { ...routing, transactions };
  }
  return routing;
}

/**
 * A copy for the shadow system, its transaction id turned into the shadow's own. `unmapped` when the copy belongs to
 * a transaction the shadow never saw start (it started before the shadow was added): such a copy is not sent.
 */
export function shadowRequest(
  action: string,
  request: unknown,
  routing: RoutingState,
): { request: unknown } | { unmapped: number } {
  const id = transactionIdOf(action, request);
  if (id === undefined) return { request };
  const shadowId = routing.shadowIds[String(id)];
  if (shadowId === undefined) return { unmapped: id };
  return { request: { ...(request as object), transactionId: shadowId } };
}

/** The routing after the shadow answered a copy: a started session's ids are paired, a stopped one's let go. */
export function afterShadow(
  routing: RoutingState,
  action: string,
  request: unknown,
  primary: SystemAnswer,
  shadow: SystemAnswer,
): RoutingState {
  if (action === 'StartTransaction') {
    const chargerId =
      primary.kind === 'response' ? (primary.body as { transactionId?: unknown }).transactionId : undefined;
    const shadowId =
      shadow.kind === 'response' ? (shadow.body as { transactionId?: unknown }).transactionId : undefined;
    if (typeof chargerId !== 'number' || typeof shadowId !== 'number') return routing;
    return { ...routing, shadowIds: { ...routing.shadowIds, [String(chargerId)]: shadowId } };
  }
  if (action === 'StopTransaction') {
    const id = transactionIdOf(action, request);
    if (id === undefined || routing.shadowIds[String(id)] === undefined) return routing;
    const { [String(id)]: _stopped, ...shadowIds } = routing.shadowIds;
    return { ...routing, shadowIds };
  }
  return routing;
}

/** The open transactions each system owns, for operators. */
export function openTransactionsBySystem(routing: RoutingState): Record<CentralSystem, number[]> {
  const out: Record<CentralSystem, number[]> = { csms: [], legacy: [] };
  for (const [id, owner] of Object.entries(routing.transactions)) out[owner.primary].push(Number(id));
  return out;
}

/** A command as the rights check sees it: its operation and, for a stop, the transaction it names. */
export interface CommandRequest {
  operation: string;
  transactionId?: number | string;
}

/** The operations that stop a transaction, in every protocol the gateway hears commands in. */
const STOP_OPERATIONS = new Set(['RemoteStopTransaction', 'RequestStopTransaction']);

/**
 * Whether a system's command may reach the charger (docs/architecture.md#migration-routing): the rights come from the
 * route. The primary's commands always; the shadow's only when the charger allows shadow commands; a system that is
 * neither may only stop a transaction it owns (one that started while it was primary), nothing else.
 */
export function commandsAllowed(
  from: CentralSystem,
  identity: string,
  route: RouteName,
  routing: RoutingState,
  shadowCommands: 'refuse' | 'allow',
  command: CommandRequest,
): { ok: true } | { ok: false; reason: string } {
  const arrangement = arrangementOf(route);
  if (arrangement.primary === from) return { ok: true };
  if (arrangement.shadow === from && shadowCommands === 'allow') return { ok: true };
  const owned = routing.transactions[String(command.transactionId)];
  if (STOP_OPERATIONS.has(command.operation) && owned?.primary === from) return { ok: true };
  if (arrangement.shadow === from)
    return {
      ok: false,
      reason: `read-only shadow: charger ${identity} is routed ${route}, its commands come from the ${arrangement.primary} system (chargers.${identity}.shadowCommands: allow lets them through)`,
    };
  return {
    ok: false,
    reason: `charger ${identity} is routed to the ${arrangement.primary} system (route ${route}); the ${from} system may only stop a transaction it owns`,
  };
}
