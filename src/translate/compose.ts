// biome-ignore-all lint/suspicious/noExplicitAny: composition is generic over every operation's payload types.
import { emptyChargerState, type ChargerState } from './charger-state.js';
import type { TranslationContext } from './context.js';
import type { ChargerStep, CsmsInitiatedOperation, GatewayAnswer, SoapOutbound } from './csms-operation.js';
import type { ChargerCommand, ChargerReading, CommandContext, DialectModule } from './modules.js';
import type { ChargerInitiatedOperation } from './operation.js';

/**
 * Joins a dialect's half and a CSMS protocol's half of an operation (docs/architecture.md#the-pivot). The result has
 * the interface the bridge calls, in the charger's words on one side and the CSMS's on the other. The model is read
 * from the charger's request when the CALL is made and kept in the message's context for its answer and reducer.
 */

/** Reads a charger request into the model once per message: its answer and its reducer use the same reading. */
function read(reading: ChargerReading, request: unknown, state: ChargerState, ctx: TranslationContext): unknown {
  const model = reading.toModel(request, state, ctx);
  ctx.reading = { request, model };
  return model;
}

/**
 * The model of a charger request as its CALL was made; read again (its notes not repeated) for a request this context
 * has not read, such as a re-sent BootNotification.
 */
function modelOf(reading: ChargerReading, request: unknown, state: ChargerState | undefined, ctx: TranslationContext) {
  const known = ctx.reading;
  if (known && known.request === request) return known.model;
  return reading.toModel(request, state ?? emptyChargerState(''), { ...ctx, notes: [] });
}

/** A charger-initiated operation: the dialect reads, the CSMS protocol writes, and the answer goes back the same way. */
export function chargerOperation(
  reading: ChargerReading,
  writing: ChargerInitiatedOperation,
): ChargerInitiatedOperation {
  const { reserve, late, reduce } = writing;
  return {
    chargerAction: reading.action,
    csmsAction: writing.csmsAction,
    toCall: (request, state, ctx) => {
      const out = writing.toCall(read(reading, request, state, ctx), state, ctx);
      return out.kind === 'answer' ? { ...out, response: reading.fromModel(out.response, request, ctx) } : out;
    },
    toResponse: (result, request, ctx, state) =>
      reading.fromModel(writing.toResponse(result, modelOf(reading, request, state, ctx), ctx, state), request, ctx),
    ...(reserve && {
      reserve: (state: ChargerState, request: unknown, ctx: TranslationContext) =>
        reserve(state, modelOf(reading, request, state, ctx), ctx),
    }),
    ...(late && { late }),
    ...(reduce && {
      // The charger's answer is passed as it is: reducers read only transactionId and idTagInfo from it, which every
      // dialect spells as the model does.
      reduce: (state: ChargerState, exchange: any, ctx: TranslationContext) =>
        reduce(state, { ...exchange, request: modelOf(reading, exchange.request, state, ctx) }, ctx),
    }),
  };
}

const unsupported = (action: string, dialect: DialectModule) =>
  `${action} is not supported by ${dialect.facts.title} chargers`;

/**
 * A charger call of the model in the dialect's words; one the dialect cannot make is answered at once with a failure
 * naming the dialect, and nothing is sent (the operation decides what a missing answer means).
 */
export function dialectStep<Next>(
  step: ChargerStep<Next>,
  dialect: DialectModule,
  ctx: CommandContext,
): { step: ChargerStep<Next> } | { now: Next } {
  const command = dialect.commands.get(step.chargerAction);
  if (!command) return { now: step.next({ ok: false, failure: unsupported(step.chargerAction, dialect) }) };
  return {
    step: {
      chargerAction: command.action,
      request: command.toCharger(step.request, ctx),
      ...(step.failFast !== undefined && { failFast: step.failFast }),
      next: (reply) => step.next(reply.ok ? { ok: true, response: command.fromCharger(reply.response, ctx) } : reply),
    },
  };
}

/** An outbound of the CSMS protocol's operation, its charger calls written for the dialect. */
function forDialect(
  out: SoapOutbound<any, any>,
  command: ChargerCommand | undefined,
  dialect: DialectModule,
  ctx: CommandContext,
): SoapOutbound<any, any> {
  switch (out.kind) {
    case 'soap':
      if (!command) throw new Error('an operation answered by the gateway asked the charger');
      return { kind: 'soap', request: command.toCharger(out.request, ctx) };
    case 'answer':
      return answerForDialect(out, dialect, ctx);
    case 'step': {
      const written = dialectStep(out.step, dialect, ctx);
      if ('now' in written) return forDialect(written.now, command, dialect, ctx);
      const next = written.step.next;
      return {
        kind: 'step',
        step: { ...written.step, next: (reply) => forDialect(next(reply), command, dialect, ctx) },
      };
    }
  }
}

function answerForDialect(answer: GatewayAnswer<any>, dialect: DialectModule, ctx: CommandContext) {
  if (!answer.after) return answer;
  const written = dialectStep(answer.after, dialect, ctx);
  if ('step' in written) return { ...answer, after: written.step };
  const { after: _none, ...rest } = answer;
  return { ...rest, followUps: [...(answer.followUps ?? []), ...written.now] };
}

/**
 * A CSMS-initiated operation for a dialect: the CSMS protocol's operation over the model, its charger calls made with
 * the dialect's commands. `command` is the dialect's operation for the CSMS protocol's `chargerAction`; undefined for
 * an operation the gateway answers (with its steps, if any).
 */
export function csmsOperation(
  op: CsmsInitiatedOperation,
  command: ChargerCommand | undefined,
  dialect: DialectModule,
): CsmsInitiatedOperation {
  const { reduce } = op;
  return {
    csmsAction: op.csmsAction,
    ...(command && { chargerAction: command.action }),
    toSoap: (request, state, ctx) => forDialect(op.toSoap(request, state, ctx), command, dialect, ctx),
    fromSoap: (response, request, ctx) => {
      if (!command) return op.fromSoap(response, request, ctx);
      return op.fromSoap(command.fromCharger(response, ctx), request, ctx);
    },
    ...(reduce && { reduce }),
  };
}
