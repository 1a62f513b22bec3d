/** A configuration the gateway cannot start with; the message names the key (and its environment variable). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
