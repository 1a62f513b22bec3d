import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../../src/config/config.js';
import { csmsProtocolModule } from '../../../../src/ocpp/csms-protocols.js';
import { check201, ocpp201 } from '../../../../src/ocpp/v201/protocol.js';
import { translationTables } from '../../../../src/translate/tables.js';

describe('the OCPP 2.0.1 protocol module (docs/translation-201.md)', () => {
  it('speaks subprotocol ocpp2.0.1 and is the module configuration finds for it', () => {
    assert.equal(ocpp201.subprotocol, 'ocpp2.0.1');
    assert.equal(csmsProtocolModule('ocpp2.0.1'), ocpp201);
    assert.ok(translationTables('ocpp1.5-soap', 'ocpp2.0.1'));
  });

  it('spells error codes as 2.0.1 does, also when they arrive in the 1.6 spelling', () => {
    assert.equal(ocpp201.errorCode('FormatViolation'), 'FormatViolation');
    assert.equal(ocpp201.errorCode('OccurrenceConstraintViolation'), 'OccurrenceConstraintViolation');
    assert.equal(ocpp201.errorCode('NotSupported'), 'NotSupported');
    assert.equal(ocpp201.errorCode('FormationViolation' as never), 'FormatViolation');
    assert.equal(ocpp201.errorCode('OccurenceConstraintViolation' as never), 'OccurrenceConstraintViolation');
  });

  it('checks payloads against the official schemas: a malformed CALL gets the 2.0.1 format and property codes', () => {
    assert.deepEqual(check201('Reset', 'req', { type: 'Immediate' }), { ok: true });
    const missing = check201('Reset', 'req', {});
    assert.ok(!missing.ok && missing.code === 'OccurrenceConstraintViolation');
    const wrongType = check201('Reset', 'req', { type: 3 });
    assert.ok(!wrongType.ok && wrongType.code === 'TypeConstraintViolation');
    const extra = check201('ClearCache', 'req', { surplus: true });
    assert.ok(!extra.ok && extra.code === 'PropertyConstraintViolation');
    const long = check201('RequestStopTransaction', 'req', { transactionId: 'x'.repeat(37) });
    assert.ok(!long.ok && long.code === 'FormatViolation');
  });

  it('configuration accepts ocpp2.0.1 globally and per charger, and idTokenType globally and per charger', () => {
    const c = loadConfig(
      { CONFIG: '', CSMS_URL: 'ws://c', CSMS_PROTOCOL: 'ocpp2.0.1', ID_TOKEN_TYPE: 'KeyCode' },
      { chargers: { A: { csmsProtocol: 'ocpp1.6', idTokenType: 'Central' } } },
    );
    assert.equal(c.csmsProtocol, 'ocpp2.0.1');
    assert.equal(c.idTokenType, 'KeyCode');
    assert.deepEqual([c.chargers.A?.csmsProtocol, c.chargers.A?.idTokenType], ['ocpp1.6', 'Central']);
    assert.equal(loadConfig({ CONFIG: '', CSMS_URL: 'ws://c' }).idTokenType, 'ISO14443');
    assert.throws(
      () => loadConfig({ CONFIG: '', CSMS_URL: 'ws://c', ID_TOKEN_TYPE: 'RFID' }),
      /idTokenType \(ID_TOKEN_TYPE\)/,
    );
  });
});
