import type { CsmsProtocol, ProtocolPair, SourceDialect } from '../ocpp/protocols.js';
import type { ChargerState } from './charger-state.js';
import { chargerOperation, csmsOperation, dialectStep } from './compose.js';
import type { ChargerStep, CsmsInitiatedOperation } from './csms-operation.js';
import { csms16 } from './csms16/module.js';
import { csms201 } from './csms201/module.js';
import { ocpp12 } from './dialects/ocpp12.js';
import { ocpp15 } from './dialects/ocpp15.js';
import { ocpp16s } from './dialects/ocpp16s.js';
import type { CsmsModule, DialectModule } from './modules.js';
import type { ChargerInitiatedOperation } from './operation.js';
import type { MessagePolicy } from './source-policy.js';

/**
 * The translation tables of one protocol pair (docs/architecture.md#translation-tables), composed from the dialect's
 * module and the CSMS protocol's module (docs/architecture.md#the-pivot). A new dialect or CSMS protocol is one module
 * and one entry below; the bridge asks only this function.
 */
export interface TranslationTables {
  pair: ProtocolPair;
  /** The pair in the names queued jobs and the bridge use. */
  source: SourceDialect;
  target: CsmsProtocol;
  /** By the charger's action. */
  chargerInitiated: ReadonlyMap<string, ChargerInitiatedOperation>;
  /** By the CSMS's action. */
  csmsInitiated: ReadonlyMap<string, CsmsInitiatedOperation>;
  /** CSMS actions the gateway recognises but this charger cannot do: CALLERROR NotSupported. */
  notSupported: ReadonlySet<string>;
  /** The value of the gateway-owned SupportedFeatureProfiles key (1.6; a 2.0.1 CSMS has no such key). */
  supportedFeatureProfiles: string;
  /**
   * A charger call the gateway owes once the charger has no open transaction (a Reset OnIdle answered Scheduled,
   * docs/translation-201.md#reset), and the state after it; undefined when none is owed now.
   */
  idleCall?(state: ChargerState): ChargerStep<(state: ChargerState) => ChargerState> | undefined;
}

const DIALECTS: Readonly<Record<SourceDialect, DialectModule>> = {
  'ocpp1.2-soap': ocpp12,
  'ocpp1.5-soap': ocpp15,
  'ocpp1.6-soap': ocpp16s,
};

const CSMS_MODULES: Readonly<Record<CsmsProtocol, CsmsModule>> = { 'ocpp1.6': csms16, 'ocpp2.0.1': csms201 };

/** The dialect's charger-initiated operations that the CSMS protocol writes. */
function chargerInitiatedOf(dialect: DialectModule, csms: CsmsModule): Map<string, ChargerInitiatedOperation> {
  const out = new Map<string, ChargerInitiatedOperation>();
  for (const [action, reading] of dialect.chargerInitiated) {
    const writing = csms.chargerInitiated.get(action);
    if (writing) out.set(action, chargerOperation(reading, writing));
  }
  return out;
}

/**
 * The CSMS protocol's operations the dialect can carry out, natively or by the gateway's emulation; the others are
 * NotSupported for this dialect (docs/translation.md#operations-a-soap-charger-cannot-do).
 */
function csmsInitiatedOf(dialect: DialectModule, csms: CsmsModule) {
  const operations = new Map<string, CsmsInitiatedOperation>();
  const notSupported = new Set(csms.notSupported);
  for (const [action, op] of csms.csmsInitiated) {
    const command = op.chargerAction === undefined ? undefined : dialect.commands.get(op.chargerAction);
    const emulated = csms.emulated.get(action);
    if (op.chargerAction === undefined || command) operations.set(action, csmsOperation(op, command, dialect));
    else if (emulated) operations.set(action, csmsOperation(emulated, undefined, dialect));
    else notSupported.add(action);
  }
  return { operations, notSupported };
}

function compose(dialect: DialectModule, csms: CsmsModule): TranslationTables {
  const { operations, notSupported } = csmsInitiatedOf(dialect, csms);
  const idleCall = csms.idleCall;
  return {
    pair: { dialect: dialect.facts.id, csmsProtocol: csms.id },
    source: dialect.facts.id,
    target: csms.id,
    chargerInitiated: chargerInitiatedOf(dialect, csms),
    csmsInitiated: operations,
    notSupported,
    supportedFeatureProfiles: csms.supportedFeatureProfiles(new Set(dialect.commands.keys())),
    ...(idleCall && {
      idleCall: (state: ChargerState) => {
        const step = idleCall(state);
        const written = step && dialectStep(step, dialect, { notes: [] });
        return written && 'step' in written ? written.step : undefined;
      },
    }),
  };
}

const composed = new Map<string, TranslationTables>();

/** The tables of a protocol pair, composed once. */
export function translationTables(dialect: SourceDialect, csmsProtocol: CsmsProtocol): TranslationTables | undefined {
  const key = `${dialect}>${csmsProtocol}`;
  let tables = composed.get(key);
  if (!tables) {
    const d = DIALECTS[dialect];
    const c = CSMS_MODULES[csmsProtocol];
    if (!d || !c) return undefined;
    composed.set(key, (tables = compose(d, c)));
  }
  return tables;
}

/** The delivery policy of each operation of a dialect (docs/translation.md#store-and-forward). */
export function sourcePolicies(dialect: SourceDialect): ReadonlyMap<string, MessagePolicy> {
  return DIALECTS[dialect].policies;
}
