import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * Passwords the gateway only checks (the fleet API's keys, chargers' SOAP passwords) are kept as
 * `scrypt:<salt hex>:<hash hex>` (docs/architecture.md#charger-settings-at-run-time). scrypt costs tens of
 * milliseconds on purpose, too much for every SOAP message: a password verified once is remembered as its SHA-256,
 * so later checks of the same password against the same stored hash cost one SHA-256 and a constant-time compare.
 */

const HASH = /^scrypt:([0-9a-f]{16,}):([0-9a-f]{64})$/i;

/** `scrypt:<salt>:<hash>` of a password; a random salt unless one is given (tests, reproducible examples). */
export function hashPassword(password: string, salt = randomBytes(16).toString('hex')): string {
  return `scrypt:${salt}:${scryptSync(password, Buffer.from(salt, 'hex'), 32).toString('hex')}`;
}

/** As hashPassword, with scrypt on the thread pool: for many passwords at once (an import). */
export function hashPasswordAsync(password: string): Promise<string> {
  const salt = randomBytes(16);
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 32, (err, key) =>
      err ? reject(err) : resolve(`scrypt:${salt.toString('hex')}:${key.toString('hex')}`),
    ),
  );
}

export function isPasswordHash(value: string): boolean {
  return HASH.test(value);
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Checks passwords against stored values (an scrypt hash, or a plain password from the file), caching the verified. */
export class VerifiedCredentials {
  /** Per owner (charger, key): the stored value verified against, and the SHA-256 of the password that matched. */
  private readonly verified = new Map<string, { stored: string; digest: Buffer }>();

  constructor(private readonly maxEntries = 100_000) {}

  /**
   * Whether `given` matches `stored` for `owner`. The cached digest answers when the stored value is the one it was
   * verified against; a wrong password against a cached owner costs no scrypt, so guessing stays cheap to refuse.
   */
  async verify(owner: string, given: string, stored: string): Promise<boolean> {
    const quick = this.quick(owner, given, stored);
    if (quick !== undefined) return quick;
    const match = HASH.exec(stored);
    if (!match) return this.remember(owner, stored, given, sameBytes(Buffer.from(given), Buffer.from(stored)));
    const expected = Buffer.from(match[2]!, 'hex');
    const actual = await new Promise<Buffer>((resolve, reject) =>
      scrypt(given, Buffer.from(match[1]!, 'hex'), expected.length, (err, key) => (err ? reject(err) : resolve(key))),
    );
    return this.remember(owner, stored, given, sameBytes(expected, actual));
  }

  /** As verify, synchronously (scrypt on the calling thread when nothing is cached): for rare callers. */
  verifySync(owner: string, given: string, stored: string): boolean {
    const quick = this.quick(owner, given, stored);
    if (quick !== undefined) return quick;
    const match = HASH.exec(stored);
    if (!match) return this.remember(owner, stored, given, sameBytes(Buffer.from(given), Buffer.from(stored)));
    const expected = Buffer.from(match[2]!, 'hex');
    return this.remember(
      owner,
      stored,
      given,
      sameBytes(expected, scryptSync(given, Buffer.from(match[1]!, 'hex'), expected.length)),
    );
  }

  /** The cached answer, or undefined when nothing was verified against this stored value. */
  private quick(owner: string, given: string, stored: string): boolean | undefined {
    const known = this.verified.get(owner);
    if (!known || known.stored !== stored) return undefined;
    return sameBytes(known.digest, sha256(given));
  }

  private remember(owner: string, stored: string, given: string, ok: boolean): boolean {
    if (!ok) return false;
    if (!this.verified.has(owner) && this.verified.size >= this.maxEntries)
      this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(owner, { stored, digest: sha256(given) });
    return true;
  }
}
