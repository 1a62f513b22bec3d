// biome-ignore-all lint/suspicious/noExplicitAny: a module holds operations of every payload type; each operation narrows them.
import type { DialectFacts } from '../ocpp/dialects.js';
import type { CsmsProtocol } from '../ocpp/protocols.js';
import type { ChargerState } from './charger-state.js';
import type { TranslationContext, TranslationOptions } from './context.js';
import type { ChargerStep, CsmsInitiatedOperation } from './csms-operation.js';
import type { ChargerInitiatedOperation } from './operation.js';
import type { MessagePolicy } from './source-policy.js';

/**
 * The two halves every protocol pair is composed of (docs/architecture.md#the-pivot): a dialect module reads the
 * charger into the 1.6 model and writes the model back to it; a CSMS protocol module writes the model to the CSMS and
 * reads the CSMS into it. translate/compose.ts joins one of each; no code is written per pair.
 */

/** How a dialect reads one of its charger-initiated operations into the model and writes the model's answer back. */
export interface ChargerReading<ChargerRequest = any, ChargerResponse = any, ModelRequest = any, ModelResponse = any> {
  /** The SOAP operation, named as in 1.6. */
  action: string;
  toModel(request: ChargerRequest, state: ChargerState, ctx: TranslationContext): ModelRequest;
  fromModel(response: ModelResponse, request: ChargerRequest, ctx: TranslationContext): ChargerResponse;
}

/** What a charger call is written with: notes to log, and the charger's options when the call comes from the CSMS. */
export interface CommandContext {
  notes: string[];
  options?: TranslationOptions;
}

/** How a dialect carries out one 1.6 ChargePointService operation: the model's request as SOAP, the answer back. */
export interface ChargerCommand<ModelRequest = any, ModelResponse = any, SoapRequest = any, SoapResponse = any> {
  /** The SOAP operation, named as in 1.6. */
  action: string;
  toCharger(request: ModelRequest, ctx: CommandContext): SoapRequest;
  fromCharger(response: SoapResponse, ctx: CommandContext): ModelResponse;
}

/** Everything the gateway knows about one SOAP dialect, whatever the CSMS protocol. */
export interface DialectModule {
  facts: DialectFacts;
  /** By the charger's action. */
  chargerInitiated: ReadonlyMap<string, ChargerReading>;
  /** The ChargePointService operations the dialect has, by action; the others are not the charger's to do. */
  commands: ReadonlyMap<string, ChargerCommand>;
  /** The delivery policy of each charger-initiated operation (docs/translation.md#store-and-forward). */
  policies: ReadonlyMap<string, MessagePolicy>;
}

/**
 * Everything the gateway knows about one CSMS protocol, whatever the dialect. Its operations are written over the
 * model: a charger-initiated operation takes the model's request and gives the model's answer; a CSMS-initiated one
 * asks the charger (`soap` outcomes and steps) in the model's words, its `chargerAction` the 1.6 operation.
 */
export interface CsmsModule {
  id: CsmsProtocol;
  /** By the model's (1.6) action. */
  chargerInitiated: ReadonlyMap<string, ChargerInitiatedOperation>;
  /**
   * By the CSMS's action. An operation with a `chargerAction` the dialect lacks is the emulation's below when there is
   * one, else NotSupported; one without a `chargerAction` is answered by the gateway (and its steps).
   */
  csmsInitiated: ReadonlyMap<string, CsmsInitiatedOperation>;
  /** The gateway's own answer for a CSMS action whose charger operation the dialect lacks (TriggerMessage). */
  emulated: ReadonlyMap<string, CsmsInitiatedOperation>;
  /** CSMS actions the gateway recognises but no SOAP charger can carry out: CALLERROR NotSupported. */
  notSupported: ReadonlySet<string>;
  /** The gateway-owned SupportedFeatureProfiles value for a charger with these operations ('' where no such key). */
  supportedFeatureProfiles(commands: ReadonlySet<string>): string;
  /** A charger call the gateway owes once the charger is idle, in the model's words (TranslationTables.idleCall). */
  idleCall?(state: ChargerState): ChargerStep<(state: ChargerState) => ChargerState> | undefined;
}

/** A CSMS protocol module from lists of its operations, keyed as CsmsModule says. */
export function csmsModule(
  parts: Omit<CsmsModule, 'chargerInitiated' | 'csmsInitiated' | 'emulated'> & {
    chargerInitiated: readonly ChargerInitiatedOperation[];
    csmsInitiated: readonly CsmsInitiatedOperation[];
    emulated: readonly CsmsInitiatedOperation[];
  },
): CsmsModule {
  return {
    ...parts,
    chargerInitiated: new Map(parts.chargerInitiated.map((op) => [op.chargerAction, op])),
    csmsInitiated: new Map(parts.csmsInitiated.map((op) => [op.csmsAction, op])),
    emulated: new Map(parts.emulated.map((op) => [op.csmsAction, op])),
  };
}
