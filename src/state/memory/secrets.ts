import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../util/secret-box.js';
import type { SecretStore } from '../registry.js';
import type { PersistedMap } from './persist.js';

/**
 * AuthorizationKeys and the gateway's own keys in process memory. The AuthorizationKeys are handed to the embedded
 * store sealed with the box, and opened when read back at start (docs/architecture.md#the-embedded-store).
 */
export class MemorySecretStore implements SecretStore {
  constructor(
    private readonly authorizationKeys: PersistedMap<string>,
    private readonly gatewayKeys: PersistedMap<string>,
    private readonly box: SecretBox,
  ) {}

  async authorizationKey(identity: string): Promise<string | undefined> {
    return this.authorizationKeys.get(identity);
  }

  async setAuthorizationKey(identity: string, key: string): Promise<void> {
    this.authorizationKeys.set(identity, key, this.box.seal(key));
  }

  async gatewayKey(name: string): Promise<Buffer> {
    let key = this.gatewayKeys.get(name);
    if (!key) {
      key = randomBytes(32).toString('base64');
      this.gatewayKeys.set(name, key);
    }
    return Buffer.from(key, 'base64');
  }
}
