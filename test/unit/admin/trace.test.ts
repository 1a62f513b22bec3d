import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageTrace } from '../../../src/admin/trace.js';

const part = (action: string) => ({ direction: 'charger_to_csms' as const, action });

describe('message trace (issue 6; bounded per charger and in chargers)', () => {
  it('completes a record by id and lists the newest first, with OCPP-J payloads serialised when read', () => {
    const trace = new MessageTrace({ perCharger: 10, chargers: 10, maskIdTags: false });
    trace.record('CP-1', 'a', part('Heartbeat'));
    trace.record('CP-1', 'b', part('StatusNotification'));
    trace.record('CP-1', 'a', { direction: 'charger_to_csms', ocppCall: {}, ocppResult: { currentTime: '2024-05-01T12:00:00Z' }, outcome: 'csms' });
    const records = trace.recent('CP-1');
    assert.deepEqual(
      records.map((r) => [r.id, r.action]),
      [
        ['b', 'StatusNotification'],
        ['a', 'Heartbeat'],
      ],
    );
    assert.equal(records[1]!.ocppCall, '{}');
    assert.equal(records[1]!.ocppResult, '{"currentTime":"2024-05-01T12:00:00Z"}');
    assert.equal(records[1]!.outcome, 'csms');
    assert.equal(records[0]!.ocppCall, undefined);
    assert.match(records[0]!.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(trace.recent('CP-unknown'), []);
  });

  it('keeps the newest perCharger records of a charger; limit returns fewer', () => {
    const trace = new MessageTrace({ perCharger: 3, chargers: 10, maskIdTags: false });
    for (const id of ['1', '2', '3', '4', '5']) trace.record('CP-1', id, part('Heartbeat'));
    assert.deepEqual(trace.recent('CP-1').map((r) => r.id), ['5', '4', '3']);
    assert.deepEqual(trace.recent('CP-1', 2).map((r) => r.id), ['5', '4']);
    assert.deepEqual(trace.recent('CP-1', 10).map((r) => r.id), ['5', '4', '3'], 'nothing older is kept');
    // Completing a dropped record starts a new one rather than reviving the old.
    trace.record('CP-1', '1', { direction: 'charger_to_csms', outcome: 'csms' });
    assert.deepEqual(trace.recent('CP-1').map((r) => r.id), ['1', '5', '4']);
  });

  it('forgets the charger least recently active when more than `chargers` are traced', () => {
    const trace = new MessageTrace({ perCharger: 5, chargers: 2, maskIdTags: false });
    trace.record('CP-A', 'a1', part('Heartbeat'));
    trace.record('CP-B', 'b1', part('Heartbeat'));
    trace.record('CP-A', 'a2', part('Heartbeat')); // A is now the most recently active
    trace.record('CP-A', 'a3', part('Heartbeat')); // still the newest: nothing moves
    trace.record('CP-C', 'c1', part('Heartbeat')); // B goes
    assert.deepEqual(trace.recent('CP-B'), []);
    assert.deepEqual(trace.recent('CP-A').map((r) => r.id), ['a3', 'a2', 'a1']);
    trace.record('CP-D', 'd1', part('Heartbeat')); // A goes now: C was active after it
    assert.deepEqual(trace.recent('CP-A'), []);
    assert.deepEqual(trace.recent('CP-C').map((r) => r.id), ['c1']);
    assert.deepEqual(trace.recent('CP-D').map((r) => r.id), ['d1']);
  });

  it('masks idTags when configured and the AuthorizationKey always, when read', () => {
    const trace = new MessageTrace({ perCharger: 5, chargers: 5, maskIdTags: true });
    trace.record('CP-1', 'x', {
      direction: 'charger_to_csms',
      soapRequest: '<ns:authorizeRequest><ns:idTag>RFID-00012345</ns:idTag></ns:authorizeRequest>',
      ocppCall: { idTag: 'RFID-00012345' },
    });
    trace.record('CP-1', 'y', { direction: 'csms_to_charger', ocppCall: { key: 'AuthorizationKey', value: 'secret-value' } });
    const [y, x] = trace.recent('CP-1');
    assert.equal(x!.soapRequest, '<ns:authorizeRequest><ns:idTag>*********2345</ns:idTag></ns:authorizeRequest>');
    assert.equal(x!.ocppCall, '{"idTag":"*********2345"}');
    assert.equal(y!.ocppCall, '{"key":"AuthorizationKey","value":"[redacted]"}');
  });
});
