import { chargerOverride, type ChargerOverride } from './config.js';
import { legacyUrlOf } from './migration.js';
import { csmsProtocolModule } from '../ocpp/csms-protocols.js';

/**
 * The per-charger settings the admin API accepts (docs/configuration.md#charger-settings): every key of a file entry
 * `chargers.<identity>` except the certificate files, which name files on the gateway's disk and stay in the file.
 * One schema for both, so that a value the file refuses the API refuses too, naming the same field.
 */

/** Keys only the file may set. */
export const FILE_ONLY_SETTINGS = ['clientCertFile', 'clientKeyFile'] as const;

/** Write-only: accepted, stored hashed or sealed, never returned, logged or exported without the explicit flag. */
export const SECRET_SETTINGS = ['soapPassword', 'basicAuthPassword'] as const;
export type SecretSetting = (typeof SECRET_SETTINGS)[number];

/** Every key the API accepts, in the schema's order (the export's columns). */
export const SETTING_NAMES: readonly string[] = Object.keys(chargerOverride.shape).filter(
  (k) => !(FILE_ONLY_SETTINGS as readonly string[]).includes(k),
);

/** A charger's settings as given (JSON values, before defaults and transforms): what the store keeps. */
export type RawSettings = Record<string, unknown>;

export interface SettingsProblem {
  /** The field at fault, e.g. `sources` or `identity`. */
  field: string;
  message: string;
}

/** What validation needs of the gateway's configuration. */
export interface SettingsContext {
  maxIdentityLength: number;
  legacyCsUrl?: string;
  route?: string;
}

/** Why an identity cannot have settings, or undefined. */
export function identityProblem(identity: string, maxLength: number): SettingsProblem | undefined {
  if (identity.length === 0) return { field: 'identity', message: 'identity is empty' };
  if (identity.length > maxLength)
    return {
      field: 'identity',
      message: `identity is ${identity.length} characters long, above MAX_IDENTITY_LENGTH (${maxLength})`,
    };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/[\u0000-\u001f\u007f]/.test(identity))
    return { field: 'identity', message: 'identity contains control characters' };
  return undefined;
}

/**
 * Validates one charger's settings as the file would be validated, plus what the API adds (the identity's length,
 * file-only keys, a CSMS protocol without translation, a route without a legacy URL). Nothing is stored on a problem.
 */
export function validateSettings(
  identity: string,
  raw: RawSettings,
  context: SettingsContext,
): { settings: ChargerOverride; problems?: undefined } | { problems: SettingsProblem[] } {
  const problems: SettingsProblem[] = [];
  const bad = identityProblem(identity, context.maxIdentityLength);
  if (bad) problems.push(bad);
  for (const key of FILE_ONLY_SETTINGS)
    if (key in raw) problems.push({ field: key, message: `${key} names a file on the gateway: set it in the file` });
  const rest = Object.fromEntries(
    Object.entries(raw).filter(([k]) => !(FILE_ONLY_SETTINGS as readonly string[]).includes(k)),
  );
  const result = chargerOverride.safeParse(rest);
  if (!result.success) {
    for (const issue of result.issues) {
      const field = issue.path.join('.') || '(settings)';
      if (issue.code === 'unknown_key' && issue.path.length === 1)
        problems.push({ field, message: `unknown setting ${field}; known: ${SETTING_NAMES.join(', ')}` });
      else problems.push({ field, message: issue.message });
    }
    return { problems };
  }
  const settings = result.data;
  if (settings.csmsProtocol && !csmsProtocolModule(settings.csmsProtocol))
    problems.push({ field: 'csmsProtocol', message: `${settings.csmsProtocol} is not supported yet` });
  const config = { legacyCsUrl: context.legacyCsUrl, chargers: { [identity]: settings } };
  if (settings.route && settings.route !== 'csms' && !legacyUrlOf(config, identity))
    problems.push({ field: 'route', message: `route ${settings.route} needs LEGACY_CS_URL or legacyUrl` });
  return problems.length > 0 ? { problems } : { settings };
}

/** A copy with the secrets replaced by whether they are set: what responses, logs and audit records show. */
export function maskSecrets(raw: RawSettings): RawSettings {
  const out: RawSettings = { ...raw };
  for (const key of SECRET_SETTINGS) if (out[key] !== undefined && out[key] !== null) out[key] = '(set)';
  return out;
}
