import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The relay address the gateway gives the legacy system for a charger carries a token bound to that charger
 * (docs/architecture.md#migration-routing): HMAC-SHA256 of the identity under a key kept in the store, so the
 * address of one charger cannot be turned into another's, and an address cannot be guessed.
 */
export class RelayTokens {
  constructor(private readonly key: Buffer) {}

  /** The token of a charger: 22 characters of base64url (128 bits). */
  tokenOf(identity: string): string {
    return createHmac('sha256', this.key).update(identity, 'utf8').digest('base64url').slice(0, 22);
  }

  /** Whether `token` is the charger's, compared in constant time. */
  verify(identity: string, token: string | undefined): boolean {
    if (token === undefined) return false;
    const expected = Buffer.from(this.tokenOf(identity));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
