import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../../util/secret-box.js';
import type { SecretStore } from '../registry.js';
import type { RedisSpace } from './space.js';

/**
 * Secrets in Redis: `<prefix>:secret:<identity>`, a hash with the sealed authorizationKey (set by the CSMS; never shown
 * by the status API), and `<prefix>:gateway-key:<name>`, a string, a random key of the gateway, base64.
 */
export class RedisSecretStore implements SecretStore {
  constructor(
    private readonly space: RedisSpace,
    private readonly box: SecretBox,
  ) {}

  async authorizationKey(identity: string): Promise<string | undefined> {
    const stored = await this.space.redis.hget(this.space.key('secret', identity), 'authorizationKey');
    return stored === null ? undefined : this.box.open(stored);
  }

  async setAuthorizationKey(identity: string, key: string): Promise<void> {
    const space = this.space;
    await space.setField(
      space.fence(identity),
      [space.key('secret', identity)],
      ['authorizationKey', this.box.seal(key)],
    );
  }

  async gatewayKey(name: string): Promise<Buffer> {
    const key = this.space.key('gateway-key', name);
    await this.space.redis.set(key, randomBytes(32).toString('base64'), 'NX');
    return Buffer.from((await this.space.redis.get(key)) ?? '', 'base64');
  }
}
