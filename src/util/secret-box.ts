import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const SEALED = 'sealed1:';

/**
 * Secrets the gateway must present again (the CSMS's AuthorizationKey of each charger) sealed at rest with AES-256-GCM
 * under a key from the environment (STORE_SECRET_KEY, docs/architecture.md#the-embedded-store). Without a key the box
 * stores as it is given, and the gateway says so at start. A stored value that was written before a key was set is
 * read as it is and sealed at its next write.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer | undefined) {}

  /** A box keyed by SHA-256 of `secret` (at least 32 characters, checked by the configuration), or an open one. */
  static of(secret: string | undefined): SecretBox {
    return new SecretBox(secret === undefined ? undefined : createHash('sha256').update(secret, 'utf8').digest());
  }

  get seals(): boolean {
    return this.key !== undefined;
  }

  seal(plain: string): string {
    if (!this.key) return plain;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** The plain value; throws when it is sealed and this box has no key or another one. */
  open(stored: string): string {
    if (!stored.startsWith(SEALED)) return stored;
    if (!this.key) throw new Error('a sealed secret in the store, but STORE_SECRET_KEY is not set');
    const raw = Buffer.from(stored.slice(SEALED.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(
        'STORE_SECRET_KEY does not open the secrets in the store (it is not the key they were sealed with)',
      );
    }
  }
}
