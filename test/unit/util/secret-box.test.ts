import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretBox } from '../../../src/util/secret-box.js';

/** Secrets sealed at rest (docs/architecture.md#the-embedded-store). */
describe('secret box', () => {
  const key = 'k'.repeat(32);

  it('seals with a fresh nonce each time and opens what it sealed; the plain value never appears', () => {
    const box = SecretBox.of(key);
    const a = box.seal('AuthorizationKey-0123456789');
    const b = box.seal('AuthorizationKey-0123456789');
    assert.notEqual(a, b);
    assert.doesNotMatch(a, /AuthorizationKey/);
    assert.equal(box.open(a), 'AuthorizationKey-0123456789');
    assert.equal(box.seals, true);
  });

  it('another key, or none, cannot open a sealed value; a value stored in clear is read as it is', () => {
    const sealed = SecretBox.of(key).seal('secret');
    assert.throws(() => SecretBox.of('x'.repeat(32)).open(sealed), /not the key they were sealed with/);
    assert.throws(() => SecretBox.of(undefined).open(sealed), /STORE_SECRET_KEY is not set/);
    assert.equal(SecretBox.of(key).open('written-before-a-key'), 'written-before-a-key');
    assert.equal(SecretBox.of(undefined).seal('plain'), 'plain');
  });
});
