import { emptyChargerState, withConnector, type ChargerState, type OpenTransaction } from '../../charger-state.js';
import { TranslationError, type TranslationContext } from '../../context.js';
import { defined, toUtc } from '../../field-rules.js';
import type { IdTagInfo16, StartTransactionRequest16, StartTransactionResponse16 } from '../../../ocpp/v16/types.js';
import type { TransactionEventRequest201, TransactionEventResponse201 } from '../../../ocpp/v201/types.js';
import type { ChargerInitiatedOperation } from '../../operation.js';
import { rememberAuthorization } from './authorize.js';
import { evseOf, idTokenInfoToModel, idTokenOf } from './id-token.js';
import { registerReading } from './meter-value.js';
import { counterAfter, lateEvent, nextChargerTransactionId, withReservedEvent } from './transactions.js';

/** A RequestStartTransaction is taken as the cause of a start on its EVSE for this long (docs/translation-201.md#requeststarttransaction). */
export const REMOTE_START_WINDOW_MS = 10 * 60_000;

/** The remembered RequestStartTransaction this start follows: same EVSE (or none named), same idTag, recent. */
function remoteStartFor(
  state: ChargerState,
  req: StartTransactionRequest16,
  ctx: TranslationContext,
): { key: string; remoteStartId: number } | undefined {
  for (const key of [String(req.connectorId), '*']) {
    const remote = state.remoteStarts?.[key];
    if (!remote || remote.idTag !== req.idTag) continue;
    if (Date.parse(ctx.receivedAt) - Date.parse(remote.at) > REMOTE_START_WINDOW_MS) continue;
    return { key, remoteStartId: remote.remoteStartId };
  }
  return undefined;
}

/** The transaction a redelivered StartTransaction already opened (its state was saved before the restart). */
const alreadyOpened = (state: ChargerState, ctx: TranslationContext): OpenTransaction | undefined =>
  ctx.messageId === undefined
    ? undefined
    : Object.values(state.transactions).find((t) => t.csmsTransactionId === ctx.messageId);

/**
 * The integer id the charger gets: the one given before to this very message, the local id of the offline policy, or
 * the next of the charger's counter (docs/translation-201.md#transaction-ids).
 */
export function chargerTransactionId(state: ChargerState, ctx: TranslationContext): number {
  return alreadyOpened(state, ctx)?.transactionId ?? ctx.localTransactionId ?? nextChargerTransactionId(state);
}

/**
 * The 2.0.1 transactionId: the id of the StartTransaction message in the gateway's queue, a UUID minted on arrival and
 * kept with the message, so a redelivery names the same transaction (docs/translation-201.md#transaction-ids).
 */
function csmsTransactionIdOf(state: ChargerState, ctx: TranslationContext): string {
  if (ctx.messageId !== undefined) return ctx.messageId;
  return `${state.identity}-${chargerTransactionId(state, ctx)}`.slice(-36);
}

export function startedEvent(
  req: StartTransactionRequest16,
  state: ChargerState,
  ctx: TranslationContext,
): TransactionEventRequest201 {
  if (req.connectorId <= 0)
    throw new TranslationError(`StartTransaction on connector ${req.connectorId}: a transaction needs an EVSE above 0`);
  const timestamp = toUtc(req.timestamp, ctx.options.timezone);
  const remote = remoteStartFor(state, req, ctx);
  return defined({
    eventType: 'Started' as const,
    timestamp,
    triggerReason: remote ? ('RemoteStart' as const) : ('Authorized' as const),
    seqNo: 0,
    transactionInfo: defined({ transactionId: csmsTransactionIdOf(state, ctx), remoteStartId: remote?.remoteStartId }),
    evse: evseOf(req.connectorId),
    idToken: idTokenOf(req.idTag, ctx),
    reservationId: req.reservationId,
    meterValue: [registerReading(timestamp, req.meterStart, 'Transaction.Begin')],
  });
}

/**
 * The idTagInfo the charger gets: the TransactionEvent answer's, else the CSMS's own last Authorize answer for the
 * idTag; never an Accepted the CSMS did not give (docs/translation-201.md#starttransaction).
 */
function idTagInfoFor(
  res: TransactionEventResponse201,
  req: StartTransactionRequest16,
  ctx: TranslationContext,
  state: ChargerState | undefined,
): IdTagInfo16 {
  if (res.idTokenInfo) return idTokenInfoToModel(res.idTokenInfo, ctx);
  const earlier = state?.authorizations?.[req.idTag];
  if (earlier) {
    ctx.notes.push(
      "the CSMS's answer to the start has no idTokenInfo: the charger gets the CSMS's earlier Authorize answer for the idTag",
    );
    return earlier;
  }
  ctx.notes.push('the CSMS gave no idTokenInfo for this idTag, now or in an Authorize: the charger is told Invalid');
  return { status: 'Invalid' };
}

/**
 * docs/translation-201.md#starttransaction: TransactionEvent Started with seqNo 0, a transactionId the gateway mints
 * and an integer id for the charger, both kept in the charger's state.
 */
export const startTransaction: ChargerInitiatedOperation<
  StartTransactionRequest16,
  StartTransactionResponse16,
  TransactionEventRequest201,
  TransactionEventResponse201
> = {
  chargerAction: 'StartTransaction',
  csmsAction: 'TransactionEvent',
  toCall: (req, state, ctx) => ({ kind: 'call', payload: startedEvent(req, state, ctx) }),
  toResponse: (res, req, ctx, state) => ({
    transactionId: chargerTransactionId(state ?? emptyChargerState(''), ctx),
    idTagInfo: idTagInfoFor(res, req, ctx, state),
  }),
  late: lateEvent,
  reduce: (state, { request, call, result, response }, ctx) => {
    const transactionId = response.transactionId;
    if (state.transactions[String(transactionId)]?.csmsTransactionId === call.transactionInfo.transactionId)
      return { state };
    const opened: OpenTransaction = {
      transactionId,
      connectorId: request.connectorId,
      idTag: request.idTag,
      startedAt: call.timestamp,
      idTagStatus: response.idTagInfo.status,
      csmsTransactionId: call.transactionInfo.transactionId,
    };
    const tx = withReservedEvent(opened, ctx.messageId, 0);
    let next: ChargerState = { ...state, transactions: { ...state.transactions, [String(transactionId)]: tx } };
    if (ctx.localTransactionId === undefined) next.nextChargerTransactionId = counterAfter(transactionId);
    const remote = remoteStartFor(state, request, ctx);
    if (remote) {
      const { [remote.key]: _used, ...remoteStarts } = state.remoteStarts ?? {};
      next.remoteStarts = remoteStarts;
    }
    if (result.idTokenInfo) next = rememberAuthorization(next, request.idTag, response.idTagInfo);
    return { state: withConnector(next, request.connectorId, (c) => ({ ...c, transactionJustStopped: false })) };
  },
};
