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

/** By source, then target: looked up for every message, so without a key string built each time. */
const paths = new Map<SourceDialect, Map<CsmsProtocol, TranslationPath | undefined>>();

/** The route of a (source, target) pair; undefined when the gateway has no translation for it. */
export function pathOf(source: SourceDialect, target: CsmsProtocol): TranslationPath | undefined {
  let bySource = paths.get(source);
  if (!bySource) paths.set(source, (bySource = new Map()));
  const known = bySource.get(target);
  if (known || bySource.has(target)) return known;
  const tables = translationTables(source, target);
  const protocol = csmsProtocolModule(target);
  const path = tables && protocol ? { source, target, tables, protocol } : undefined;
  bySource.set(target, path);
  return path;
}

/** Options that shape translation for one charger, from configuration. */
export function translationOptions(config: GatewayConfig, identity: string): TranslationOptions {
  return {
    celsiusUnit: config.celsiusUnit,
    timezone: config.chargers[identity]?.timezone ?? config.defaultTimezone,
    bootRetryIntervalSec: config.bootRetryIntervalSec,
    idTokenType: config.chargers[identity]?.idTokenType ?? config.idTokenType,
  };
}
