import type { CsmsProtocol, SourceDialect } from '../ocpp/protocols.js';
import type { CsmsInitiatedOperation } from './csms-operation.js';
import type { ChargerInitiatedOperation } from './operation.js';
import type { MessagePolicy } from './source-policy.js';
import { policies15 } from './v15/policies.js';
import { chargerInitiated15to16 } from './v15-v16/table.js';
import { csmsInitiated16to15, NOT_SUPPORTED_ACTIONS, SUPPORTED_FEATURE_PROFILES } from './v16-v15/table.js';

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
  /** The value of the gateway-owned SupportedFeatureProfiles key. */
  supportedFeatureProfiles: string;
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
];

export function translationTables(source: SourceDialect, target: CsmsProtocol): TranslationTables | undefined {
  return TABLES.find((t) => t.source === source && t.target === target);
}

const POLICIES: Readonly<Record<SourceDialect, ReadonlyMap<string, MessagePolicy>>> = { 'ocpp1.5-soap': policies15 };

/** The delivery policy of each operation of a source dialect (docs/translation.md#store-and-forward). */
export function sourcePolicies(source: SourceDialect): ReadonlyMap<string, MessagePolicy> {
  return POLICIES[source];
}
