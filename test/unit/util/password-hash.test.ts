import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hashPassword,
  hashPasswordAsync,
  isPasswordHash,
  VerifiedCredentials,
} from '../../../src/util/password-hash.js';

describe('password hashes and the verified-credential cache', () => {
  it('verifies against an scrypt hash and a plain value; a wrong password fails, cached or not', async () => {
    const hash = await hashPasswordAsync('right');
    assert.ok(isPasswordHash(hash));
    const credentials = new VerifiedCredentials();
    assert.equal(await credentials.verify('CP-1', 'wrong', hash), false);
    assert.equal(await credentials.verify('CP-1', 'right', hash), true);
    assert.equal(await credentials.verify('CP-1', 'right', hash), true);
    assert.equal(await credentials.verify('CP-1', 'wrong', hash), false);
    assert.equal(await credentials.verify('CP-2', 'plain', 'plain'), true);
    assert.equal(credentials.verifySync('CP-2', 'plainer', 'plain'), false);
  });

  it('a new stored hash is verified again, so an old password stops working at once', async () => {
    const credentials = new VerifiedCredentials();
    const first = hashPassword('old', '00112233445566778899aabb');
    assert.equal(await credentials.verify('CP-1', 'old', first), true);
    const second = hashPassword('new');
    assert.equal(await credentials.verify('CP-1', 'old', second), false);
    assert.equal(await credentials.verify('CP-1', 'new', second), true);
  });
});
