import type { CsmsProtocol, SourceDialect } from '../ocpp/protocols.js';
import type { ChargerState } from './charger-state.js';
import type { ChargerStep, CsmsInitiatedOperation } from './csms-operation.js';
import type { ChargerInitiatedOperation } from './operation.js';
import type { MessagePolicy } from './source-policy.js';
import { policies15 } from './v15/policies.js';
import { chargerInitiated15to16 } from './v15-v16/table.js';
import { csmsInitiated16to15, NOT_SUPPORTED_ACTIONS, SUPPORTED_FEATURE_PROFILES } from './v16-v15/table.js';
import { chargerInitiated15to201 } from './v15-v201/table.js';
import { csmsInitiated201to15, idleCall, NOT_SUPPORTED_201 } from './v201-v15/table.js';

/**
 * The translation tables of one (source dialect, CSMS protocol) pair (docs/architecture.md#translation-tables). A new
 * dialect or CSMS protocol adds sibling folders and one entry here; the bridge asks only this function.
 */
export interface TranslationTables {
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

const TABLES: readonly TranslationTables[] = [
  {
    source: 'ocpp1.5-soap',
    target: 'ocpp1.6',
    chargerInitiated: chargerInitiated15to16,
    csmsInitiated: csmsInitiated16to15,
    notSupported: NOT_SUPPORTED_ACTIONS,
    supportedFeatureProfiles: SUPPORTED_FEATURE_PROFILES,
  },
  {
    source: 'ocpp1.5-soap',
    target: 'ocpp2.0.1',
    chargerInitiated: chargerInitiated15to201,
    csmsInitiated: csmsInitiated201to15,
    notSupported: NOT_SUPPORTED_201,
    supportedFeatureProfiles: '',
    idleCall,
  },
];

export function translationTables(source: SourceDialect, target: CsmsProtocol): TranslationTables | undefined {
  return TABLES.find((t) => t.source === source && t.target === target);
}

const POLICIES: Readonly<Record<SourceDialect, ReadonlyMap<string, MessagePolicy>>> = { 'ocpp1.5-soap': policies15 };

/** The delivery policy of each operation of a source dialect (docs/translation.md#store-and-forward). */
export function sourcePolicies(source: SourceDialect): ReadonlyMap<string, MessagePolicy> {
  return POLICIES[source];
}
