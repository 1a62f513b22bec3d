import type { GatewayConfig } from '../config/config.js';
import { csmsProtocolModule } from '../ocpp/csms-protocols.js';
import type { CsmsProtocol, CsmsProtocolModule, SourceDialect } from '../ocpp/protocols.js';
import type { TranslationOptions } from '../translate/context.js';
import { translationTables, type TranslationTables } from '../translate/tables.js';

/**
 * A charger's way through the gateway: the dialect it speaks, the CSMS protocol it is bridged to, and what that pair
 * needs (docs/architecture.md#versions-travel-with-the-message).
 */
export interface TranslationPath {
  source: SourceDialect;
  target: CsmsProtocol;
  tables: TranslationTables;
  protocol: CsmsProtocolModule;
}

const paths = new Map<string, TranslationPath | undefined>();

/** The route of a (source, target) pair; undefined when the gateway has no translation for it. */
export function pathOf(source: SourceDialect, target: CsmsProtocol): TranslationPath | undefined {
  const key = `${source}>${target}`;
  if (!paths.has(key)) {
    const tables = translationTables(source, target);
    const protocol = csmsProtocolModule(target);
    paths.set(key, tables && protocol ? { source, target, tables, protocol } : undefined);
  }
  return paths.get(key);
}

/** Options that shape translation for one charger, from configuration. */
export function translationOptions(config: GatewayConfig, identity: string): TranslationOptions {
  return {
    celsiusUnit: config.celsiusUnit,
    timezone: config.chargers[identity]?.timezone ?? config.defaultTimezone,
    bootRetryIntervalSec: config.bootRetryIntervalSec,
  };
}
