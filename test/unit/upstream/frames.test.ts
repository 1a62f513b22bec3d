import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { faultOfRpcError } from '../../../src/bridge/rpc-fault.js';
import { decodeFrame, encodeCall, encodeError, encodeResult } from '../../../src/upstream/frames.js';
import { ocpp16 } from '../../../src/ocpp/v16/protocol.js';

describe('OCPP-J frame codec (docs/translation.md#errors)', () => {
  it('encodes CALL, CALLRESULT and CALLERROR', () => {
    assert.equal(encodeCall('1', 'Heartbeat', {}), '[2,"1","Heartbeat",{}]');
    assert.equal(encodeResult('1', { currentTime: 't' }), '[3,"1",{"currentTime":"t"}]');
    assert.equal(
      encodeError('1', 'NotImplemented', 'x'.repeat(300)),
      `[4,"1","NotImplemented","${'x'.repeat(255)}",{}]`,
    );
  });

  it('decodes valid frames and normalises CALLERROR details', () => {
    assert.deepEqual(decodeFrame('[2,"a","Reset",{"type":"Hard"}]'), {
      ok: true,
      frame: [2, 'a', 'Reset', { type: 'Hard' }],
    });
    assert.deepEqual(decodeFrame('[3,"a",{}]'), { ok: true, frame: [3, 'a', {}] });
    assert.deepEqual(decodeFrame('[4,"a","GenericError","boom"]'), {
      ok: true,
      frame: [4, 'a', 'GenericError', 'boom', {}],
    });
  });

  it('answers malformed input with a format violation (FormationViolation in 1.6), messageId -1 when unreadable', () => {
    assert.deepEqual(decodeFrame('not json'), {
      ok: false,
      messageId: '-1',
      code: 'FormatViolation',
      description: 'message is not valid JSON',
    });
    assert.equal(ocpp16.errorCode('FormatViolation'), 'FormationViolation', 'OCPP-J 1.6 Table 7 spelling on the wire');
    assert.equal(ocpp16.errorCode('OccurrenceConstraintViolation'), 'OccurenceConstraintViolation');
    assert.equal((decodeFrame('{"a":1}') as { messageId: string }).messageId, '-1');
    assert.deepEqual(decodeFrame('[2,"id7","Reset",null]'), {
      ok: false,
      messageId: 'id7',
      code: 'FormatViolation',
      description: 'frame does not have the OCPP-J shape for its type',
    });
    assert.equal(decodeFrame('[9,"x",{}]').ok, false);
  });
});

describe('CALLERROR -> SOAP Fault (docs/translation.md#callerror-to-soap-fault)', () => {
  const table: [string, string][] = [
    ['NotImplemented', 'Receiver/NotSupported'],
    ['NotSupported', 'Receiver/NotSupported'],
    ['InternalError', 'Receiver/InternalError'],
    ['GenericError', 'Receiver/InternalError'],
    ['SecurityError', 'Sender/SecurityError'],
    ['ProtocolError', 'Sender/ProtocolError'],
    ['FormationViolation', 'Sender/ProtocolError'],
    ['PropertyConstraintViolation', 'Sender/ProtocolError'],
    ['OccurenceConstraintViolation', 'Sender/ProtocolError'],
    ['TypeConstraintViolation', 'Sender/ProtocolError'],
    ['SomethingNew', 'Receiver/InternalError'],
  ];
  for (const [code, expected] of table) {
    it(`${code} -> ${expected}`, () => {
      const fault = faultOfRpcError(code, 'why');
      assert.equal(`${fault.code}/${fault.subcode}`, expected);
      assert.match(fault.reason, new RegExp(`${code}: why`));
    });
  }
});
