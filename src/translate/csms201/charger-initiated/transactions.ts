import { openTransactionOn, type ChargerState, type OpenTransaction } from '../../charger-state.js';
import type { TranslationContext } from '../../context.js';
import { FIRST_LOCAL_TRANSACTION_ID } from '../../local-transactions.js';

/**
 * The charger's integer transaction ids count per charger from 1, below the offline policy's local ids
 * (docs/translation.md#offline-policies), skipping ids still open (docs/translation-201.md#transaction-ids).
 */
const FIRST_CHARGER_TRANSACTION_ID = 1;

export function nextChargerTransactionId(state: ChargerState): number {
  let id = state.nextChargerTransactionId ?? FIRST_CHARGER_TRANSACTION_ID;
  for (let tries = 0; state.transactions[String(id)] && tries < 1_000; tries++)
    id = id + 1 >= FIRST_LOCAL_TRANSACTION_ID ? FIRST_CHARGER_TRANSACTION_ID : id + 1;
  return id;
}

/** The counter after `used`, wrapping below the local ids. */
export const counterAfter = (used: number): number =>
  used + 1 >= FIRST_LOCAL_TRANSACTION_ID ? FIRST_CHARGER_TRANSACTION_ID : used + 1;

/**
 * The open transaction a charger message belongs to, as the 2.0.1 CSMS knows it: by the charger's id, or when the
 * charger gave none (or 0) the one open on its connector (docs/translation.md#metervalues, the same inference).
 */
export function transactionOf(
  state: ChargerState,
  transactionId: number | undefined,
  connectorId: number,
  ctx: Pick<TranslationContext, 'notes'>,
): OpenTransaction | undefined {
  if (transactionId !== undefined && transactionId !== 0) {
    const tx = state.transactions[String(transactionId)];
    return tx?.csmsTransactionId === undefined ? undefined : tx;
  }
  const open = connectorId > 0 ? openTransactionOn(state, connectorId) : undefined;
  if (open?.csmsTransactionId === undefined) return undefined;
  ctx.notes.push(`transaction ${open.transactionId} inferred from the open transaction on connector ${connectorId}`);
  return open;
}

/**
 * How many of a transaction's latest seqNos are remembered by message: more than can be in flight at once for one
 * charger (one, and the next one taken up while a stopping gateway leaves the first in the queue).
 */
export const REMEMBERED_EVENTS = 8;

const reservedFor = (tx: OpenTransaction, messageId: string | undefined) =>
  messageId === undefined ? undefined : tx.reservedEvents?.find((e) => e.messageId === messageId);

/**
 * The seqNo of this message's TransactionEvent: the one taken for it (kept across redeliveries), else the
 * transaction's next (docs/translation-201.md#seqno).
 */
export function seqNoFor(tx: OpenTransaction, ctx: Pick<TranslationContext, 'messageId'>): number {
  return reservedFor(tx, ctx.messageId)?.seqNo ?? tx.nextSeqNo ?? 1;
}

/** The transaction with `seqNo` taken by `messageId`, the memory of earlier ones bounded. */
export function withReservedEvent(tx: OpenTransaction, messageId: string | undefined, seqNo: number): OpenTransaction {
  const reservedEvents =
    messageId === undefined
      ? tx.reservedEvents
      : [...(tx.reservedEvents ?? []), { messageId, seqNo }].slice(-REMEMBERED_EVENTS);
  return { ...tx, nextSeqNo: Math.max(tx.nextSeqNo ?? 1, seqNo + 1), reservedEvents };
}

/**
 * Takes the transaction's next seqNo for this message, once: a message that has one already (it was processed before
 * a restart, and is delivered again) keeps it, so the CSMS sees the same event twice rather than two events.
 */
export function reserveSeqNo(state: ChargerState, tx: OpenTransaction, messageId: string | undefined): ChargerState {
  if (messageId === undefined || reservedFor(tx, messageId)) return state;
  const next = withReservedEvent(tx, messageId, tx.nextSeqNo ?? 1);
  return { ...state, transactions: { ...state.transactions, [String(tx.transactionId)]: next } };
}

/** A TransactionEvent delivered after the charger was answered locally happened while the CSMS was out of reach. */
export function lateEvent<T extends object>(call: T): T {
  return 'eventType' in call ? { ...call, offline: true } : call;
}
