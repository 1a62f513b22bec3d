import type { ChargerState } from '../charger-state.js';
import type { TranslationContext } from '../context.js';
import { clamp, defined, fromCsmsTime, toUtc } from '../field-rules.js';
import type { DialectFacts } from '../../ocpp/dialects.js';
import type {
  BootNotificationRequest16,
  BootNotificationResponse16,
  IdTagInfo16,
  MeterValue16,
  StartTransactionRequest16,
  StopTransactionRequest16,
} from '../../ocpp/v16/types.js';
import type { ChargerReading } from '../modules.js';

/**
 * Charger-initiated operations read into the model, shared by the dialects whose messages have the same fields
 * (docs/translation.md#charger-to-csms); what differs is a parameter. Answers are written back with times in UTC
 * `Z` form (docs/translation.md#timestamps).
 */

/**
 * What a dialect does with an idTag over the model's 20 characters: 1.5 and 1.6 SOAP have the same limit, so a longer
 * one is sent as it is and refused by the CSMS protocol; 1.2 has none, so it is cut (docs/translation.md#ocpp-12-chargers).
 */
export type IdTagRule = 'as-sent' | 'clamped';

export function idTagOf(idTag: string, rule: IdTagRule, ctx: { notes: string[] }): string {
  return rule === 'clamped' ? clamp(idTag, 20, 'idTag', ctx)! : idTag;
}

/** IdTagInfo for a SOAP charger: the same fields, expiryDate in UTC (docs/translation.md#idtaginfo). */
export function idTagInfoForCharger(info: IdTagInfo16): IdTagInfo16 {
  return defined({
    status: info.status,
    expiryDate: info.expiryDate === undefined ? undefined : fromCsmsTime(info.expiryDate),
    parentIdTag: info.parentIdTag,
  });
}

export function authorize(rule: IdTagRule): ChargerReading {
  return {
    action: 'Authorize',
    toModel: (req: { idTag: string }, _state, ctx) => ({ idTag: idTagOf(req.idTag, rule, ctx) }),
    fromModel: (res: { idTagInfo: IdTagInfo16 }) => ({ idTagInfo: idTagInfoForCharger(res.idTagInfo) }),
  };
}

/**
 * The BootNotification answer in the dialect's words (docs/translation.md#bootnotification): the interval under the
 * dialect's name for it. A dialect without Pending (1.2, 1.5) is told Rejected, and since it predates the 1.6 rule
 * that an interval of 0 lets the charger choose, it gets the configured retry interval instead of 0.
 */
export function bootAnswer(facts: DialectFacts, res: BootNotificationResponse16, ctx: TranslationContext): object {
  const { intervalField, pending } = facts.bootAnswer;
  const currentTime = fromCsmsTime(res.currentTime);
  if (res.status === 'Accepted' || pending) return { status: res.status, currentTime, [intervalField]: res.interval };
  if (res.status === 'Pending')
    ctx.notes.push('CSMS answered Pending: charger told Rejected until the CSMS accepts it');
  const interval = res.interval > 0 ? res.interval : ctx.options.bootRetryIntervalSec;
  return { status: 'Rejected', currentTime, [intervalField]: interval };
}

export function bootNotification(facts: DialectFacts): ChargerReading {
  return {
    action: 'BootNotification',
    toModel: (req: BootNotificationRequest16) => req,
    fromModel: (res: BootNotificationResponse16, _req, ctx) => bootAnswer(facts, res, ctx),
  };
}

/** An operation whose request is the model's and whose answer is empty (the status notifications). */
export const notification = (action: string): ChargerReading => ({
  action,
  toModel: (req) => req,
  fromModel: () => ({}),
});

export const dataTransfer: ChargerReading = {
  action: 'DataTransfer',
  toModel: (req) => req,
  fromModel: (res) => defined({ status: res.status, data: res.data }),
};

export const heartbeat: ChargerReading = {
  action: 'Heartbeat',
  toModel: () => ({}),
  fromModel: (res: { currentTime: string }) => ({ currentTime: fromCsmsTime(res.currentTime) }),
};

/** MeterValues: the dialect's readings as the model's meterValue (`read`); 1.2 has no transactionId. */
export function meterValues<Req extends { connectorId: number; transactionId?: number }>(
  read: (req: Req, ctx: TranslationContext) => MeterValue16[],
): ChargerReading<Req> {
  return {
    action: 'MeterValues',
    toModel: (req, _state, ctx) =>
      defined({ connectorId: req.connectorId, transactionId: req.transactionId, meterValue: read(req, ctx) }),
    fromModel: () => ({}),
  };
}

/** StartTransaction; 1.2 has no reservationId, which leaves it undefined. */
export function startTransaction(rule: IdTagRule): ChargerReading {
  return {
    action: 'StartTransaction',
    toModel: (req: StartTransactionRequest16, _state, ctx): StartTransactionRequest16 =>
      defined({
        connectorId: req.connectorId,
        idTag: idTagOf(req.idTag, rule, ctx),
        meterStart: req.meterStart,
        reservationId: req.reservationId,
        timestamp: toUtc(req.timestamp, ctx.options.timezone),
      }),
    fromModel: (res: { transactionId: number; idTagInfo: IdTagInfo16 }) => ({
      transactionId: res.transactionId,
      idTagInfo: idTagInfoForCharger(res.idTagInfo),
    }),
  };
}

type StopFields = Pick<StopTransactionRequest16, 'idTag' | 'meterStop' | 'timestamp' | 'transactionId'>;

/**
 * StopTransaction: the fields every dialect has, idTag and timestamp read as the dialect reads them, and the
 * dialect's meter values and reason (`rest`).
 */
export function stopTransaction<Req extends StopFields>(
  rule: IdTagRule,
  rest: (req: Req, state: ChargerState, ctx: TranslationContext) => Partial<StopTransactionRequest16>,
): ChargerReading<Req> {
  return {
    action: 'StopTransaction',
    toModel: (req, state, ctx): StopTransactionRequest16 =>
      defined({
        idTag: req.idTag === undefined ? undefined : idTagOf(req.idTag, rule, ctx),
        meterStop: req.meterStop,
        timestamp: toUtc(req.timestamp, ctx.options.timezone),
        transactionId: req.transactionId,
        ...rest(req, state, ctx),
      }),
    fromModel: (res: { idTagInfo?: IdTagInfo16 }) =>
      defined({ idTagInfo: res.idTagInfo === undefined ? undefined : idTagInfoForCharger(res.idTagInfo) }),
  };
}
