import { CHARGER_DIALECTS } from '../ocpp/protocols.js';
import * as s from '../util/schema.js';

/**
 * Migration routing (docs/architecture.md#migration-routing): which central system is in charge of a charger, and
 * which one gets a copy of its messages.
 */
export const ROUTES = ['csms', 'legacy', 'legacy+shadow', 'csms+shadow'] as const;
export type RouteName = (typeof ROUTES)[number];

/** The two central systems a charger's messages can go to. */
export type CentralSystem = 'csms' | 'legacy';

/** Who answers a charger's messages and commands it (primary), and who only gets a copy (shadow). */
export interface Arrangement {
  primary: CentralSystem;
  shadow?: CentralSystem;
}

export function arrangementOf(route: RouteName): Arrangement {
  switch (route) {
    case 'csms':
      return { primary: 'csms' };
    case 'legacy':
      return { primary: 'legacy' };
    case 'legacy+shadow':
      return { primary: 'legacy', shadow: 'csms' };
    case 'csms+shadow':
      return { primary: 'csms', shadow: 'legacy' };
  }
}

const soapUrl = s.url().regex(/^https?:\/\//, 'must be an http:// or https:// URL');

/** The migration keys of the configuration (merged into its schema). */
export const migrationKeys = {
  /** The old OCPP 1.5 SOAP central system's CentralSystemService URL. */
  legacyCsUrl: soapUrl.optional(),
  /** The route of every charger without one of its own; default: legacy when a legacy system is configured, else csms. */
  route: s.oneOf(ROUTES).optional(),
  /** Bound on a call to the legacy system. */
  legacyTimeoutMs: s.numeric().int().min(100).max(120_000).default(20_000),
  /** The SOAP dialect the legacy system speaks: chargers of another one are not routed through it. */
  legacyCsDialect: s.oneOf(CHARGER_DIALECTS).default('ocpp1.5-soap'),
};

/** Per-charger migration keys. */
export const chargerMigrationKeys = {
  route: s.oneOf(ROUTES).optional(),
  /** This charger's legacy central system, when it is not LEGACY_CS_URL. */
  legacyUrl: soapUrl.optional(),
  /** Commands of the shadow system reach this charger (refused as a read-only shadow otherwise). */
  shadowCommands: s.oneOf(['refuse', 'allow']).default('refuse'),
};

export const MIGRATION_ENV_KEYS = {
  LEGACY_CS_URL: 'legacyCsUrl',
  ROUTE: 'route',
  LEGACY_CS_NETWORKS: 'legacyNetworks',
  LEGACY_TIMEOUT_MS: 'legacyTimeoutMs',
  LEGACY_CS_DIALECT: 'legacyCsDialect',
} as const;

interface MigrationConfig {
  legacyCsUrl?: string;
  route?: RouteName;
  chargers: Record<string, { route?: RouteName; legacyUrl?: string }>;
}

/** The configured route of a charger (the registry may hold a newer one, set through the admin API). */
export function configuredRoute(config: MigrationConfig, identity: string): RouteName {
  return config.chargers[identity]?.route ?? config.route ?? (config.legacyCsUrl ? 'legacy' : 'csms');
}

/** The legacy central system of a charger, if any. */
export function legacyUrlOf(config: MigrationConfig, identity: string): string | undefined {
  return config.chargers[identity]?.legacyUrl ?? config.legacyCsUrl;
}

/** A route through the legacy system needs its URL; names the key to set. Returns the problem, or undefined. */
export function migrationProblem(config: MigrationConfig): string | undefined {
  const needsLegacy = (route: RouteName | undefined) => route !== undefined && route !== 'csms';
  if (needsLegacy(config.route) && !config.legacyCsUrl)
    return `route (ROUTE) ${config.route} needs legacyCsUrl (LEGACY_CS_URL)`;
  for (const [identity, charger] of Object.entries(config.chargers)) {
    if (needsLegacy(charger.route) && !legacyUrlOf(config, identity))
      return `chargers.${identity}.route ${charger.route} needs legacyCsUrl (LEGACY_CS_URL) or chargers.${identity}.legacyUrl`;
  }
  return undefined;
}

/**
 * Why a charger cannot go through the legacy system, or undefined: it speaks another dialect than LEGACY_CS_DIALECT,
 * and the gateway does not convert between SOAP dialects (docs/architecture.md#migration-routing).
 */
export function legacyDialectProblem(
  config: { legacyCsDialect: string },
  identity: string,
  dialect: string,
): string | undefined {
  if (dialect === config.legacyCsDialect) return undefined;
  return `charger ${identity} speaks ${dialect} and the legacy system ${config.legacyCsDialect} (LEGACY_CS_DIALECT): the gateway does not convert between SOAP dialects, so it cannot be routed through the legacy system`;
}
