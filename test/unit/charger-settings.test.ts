import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SETTING_NAMES, validateSettings } from '../../src/config/charger-settings.js';

const context = { maxIdentityLength: 10 };
const fields = (identity: string, raw: Record<string, unknown>) => {
  const result = validateSettings(identity, raw, context);
  return result.problems?.map((p) => p.field) ?? [];
};

describe('charger settings validation', () => {
  it('takes every per-charger key of the file except the certificate files', () => {
    assert.ok(SETTING_NAMES.includes('soapPassword') && SETTING_NAMES.includes('route'));
    assert.ok(!SETTING_NAMES.includes('clientCertFile'));
    assert.deepEqual(fields('CP-1', { sources: ['10.0.0.0/8'], allow: false, csmsProtocol: 'ocpp2.0.1' }), []);
  });

  it('names the field at fault', () => {
    assert.deepEqual(fields('CP-1', { colour: 'red' }), ['colour']);
    assert.deepEqual(fields('CP-1', { sources: ['300.0.0.0/8'] }), ['sources']);
    assert.deepEqual(fields('CP-1', { callbackUrl: 'nope' }), ['callbackUrl']);
    assert.deepEqual(fields('CP-1', { clientKeyFile: '/x' }), ['clientKeyFile']);
    assert.deepEqual(fields('CP-1', { route: 'legacy' }), ['route']);
    assert.deepEqual(fields('CP-12345678901', {}), ['identity']);
    assert.deepEqual(fields('CP\n1', {}), ['identity']);
  });
});
