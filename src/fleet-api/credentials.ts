import type { FleetApiConfig } from '../config/fleet-api.js';
import { AuthThrottle } from '../util/auth-throttle.js';
import { VerifiedCredentials } from '../util/password-hash.js';

export { hashPassword } from '../util/password-hash.js';

type ApiKey = FleetApiConfig['keys'][number];

export type AuthOutcome =
  | { ok: true; key: ApiKey }
  | { ok: false; code: 'wsse:FailedAuthentication' | 'wsse:InvalidSecurity'; reason: string; retryAfter?: number };

const PASSWORD_TEXT = /#PasswordText$/;

/**
 * API keys: license key + password (stored as an scrypt hash), checked in constant time. Failures are counted per key
 * and source address in the gateway's one AuthThrottle, so guessing at one key from one address neither locks the key
 * out elsewhere nor touches other keys. A verified password is remembered as a SHA-256, so that scrypt's cost is paid
 * once per key, not on every call.
 */
export class ApiCredentials {
  private readonly keys = new Map<string, ApiKey>();
  private readonly verified = new VerifiedCredentials();
  private readonly throttle: AuthThrottle;

  constructor(config: FleetApiConfig) {
    for (const key of config.keys) this.keys.set(key.key, key);
    this.throttle = new AuthThrottle(config.authFailuresPerMinute, 60_000);
  }

  check(
    token: { username: string; password: string; passwordType?: string } | undefined,
    address: string,
  ): AuthOutcome {
    if (!token || token.username === '')
      return { ok: false, code: 'wsse:InvalidSecurity', reason: 'a WS-Security UsernameToken is required' };
    // PasswordDigest would need the plain password stored: refused rather than guessed at.
    if (token.passwordType && !PASSWORD_TEXT.test(token.passwordType))
      return { ok: false, code: 'wsse:InvalidSecurity', reason: 'only PasswordText UsernameTokens are accepted' };
    const throttleKey = `${token.username}\u0000${address}`;
    const retryAfter = this.throttle.retryAfter(throttleKey);
    if (retryAfter !== undefined)
      return { ok: false, code: 'wsse:FailedAuthentication', reason: 'too many failed attempts', retryAfter };
    const key = this.keys.get(token.username);
    if (key && this.matches(key, token.password)) {
      this.throttle.clear(throttleKey);
      return { ok: true, key };
    }
    this.throttle.fail(throttleKey);
    return { ok: false, code: 'wsse:FailedAuthentication', reason: 'unknown key or wrong password' };
  }

  private matches(key: ApiKey, password: string): boolean {
    return this.verified.verifySync(key.key, password, key.passwordHash);
  }
}
