import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageTrace, TEXT_OVERWRITTEN } from '../../../src/admin/trace.js';
import { encodeCall, received, type WireTexts } from '../../../src/upstream/frames.js';

const part = (action: string) => ({ direction: 'charger_to_csms' as const, action });

describe('message trace (bounded per charger and in chargers)', () => {
  it('completes a record by id and lists the newest first, with OCPP-J payloads serialised when recorded', () => {
    const trace = new MessageTrace({ perCharger: 10, chargers: 10, maskIdTags: false, bufferBytes: 1 << 16 });
    trace.record('CP-1', 'a', part('Heartbeat'));
    trace.record('CP-1', 'b', part('StatusNotification'));
    trace.record('CP-1', 'a', {
      direction: 'charger_to_csms',
      ocppCall: {},
      ocppResult: { currentTime: '2024-05-01T12:00:00Z' },
      outcome: 'csms',
    });
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
    const trace = new MessageTrace({ perCharger: 3, chargers: 10, maskIdTags: false, bufferBytes: 1 << 16 });
    for (const id of ['1', '2', '3', '4', '5']) trace.record('CP-1', id, part('Heartbeat'));
    assert.deepEqual(
      trace.recent('CP-1').map((r) => r.id),
      ['5', '4', '3'],
    );
    assert.deepEqual(
      trace.recent('CP-1', 2).map((r) => r.id),
      ['5', '4'],
    );
    assert.deepEqual(
      trace.recent('CP-1', 10).map((r) => r.id),
      ['5', '4', '3'],
      'nothing older is kept',
    );
    // Completing a dropped record starts a new one rather than reviving the old.
    trace.record('CP-1', '1', { direction: 'charger_to_csms', outcome: 'csms' });
    assert.deepEqual(
      trace.recent('CP-1').map((r) => r.id),
      ['1', '5', '4'],
    );
  });

  it('forgets the charger least recently active when more than `chargers` are traced', () => {
    const trace = new MessageTrace({ perCharger: 5, chargers: 2, maskIdTags: false, bufferBytes: 1 << 16 });
    trace.record('CP-A', 'a1', part('Heartbeat'));
    trace.record('CP-B', 'b1', part('Heartbeat'));
    trace.record('CP-A', 'a2', part('Heartbeat')); // A is now the most recently active
    trace.record('CP-A', 'a3', part('Heartbeat')); // still the newest: nothing moves
    trace.record('CP-C', 'c1', part('Heartbeat')); // B goes
    assert.deepEqual(trace.recent('CP-B'), []);
    assert.deepEqual(
      trace.recent('CP-A').map((r) => r.id),
      ['a3', 'a2', 'a1'],
    );
    trace.record('CP-D', 'd1', part('Heartbeat')); // A goes now: C was active after it
    assert.deepEqual(trace.recent('CP-A'), []);
    assert.deepEqual(
      trace.recent('CP-C').map((r) => r.id),
      ['c1'],
    );
    assert.deepEqual(
      trace.recent('CP-D').map((r) => r.id),
      ['d1'],
    );
  });

  it('masks idTags when configured and the AuthorizationKey always, when read', () => {
    const trace = new MessageTrace({ perCharger: 5, chargers: 5, maskIdTags: true, bufferBytes: 1 << 16 });
    trace.record('CP-1', 'x', {
      direction: 'charger_to_csms',
      soapRequest: '<ns:authorizeRequest><ns:idTag>RFID-00012345</ns:idTag></ns:authorizeRequest>',
      ocppCall: { idTag: 'RFID-00012345' },
    });
    trace.record('CP-1', 'y', {
      direction: 'csms_to_charger',
      ocppCall: { key: 'AuthorizationKey', value: 'secret-value' },
    });
    const [y, x] = trace.recent('CP-1');
    assert.equal(x!.soapRequest, '<ns:authorizeRequest><ns:idTag>*********2345</ns:idTag></ns:authorizeRequest>');
    assert.equal(x!.ocppCall, '{"idTag":"*********2345"}');
    assert.equal(y!.ocppCall, '{"key":"AuthorizationKey","value":"[redacted]"}');
  });

  it('keeps a payload as it was when recorded, even if the object changes afterwards', () => {
    const trace = new MessageTrace({ perCharger: 5, chargers: 5, maskIdTags: false, bufferBytes: 1 << 16 });
    const call = { connectorId: 1, status: 'Available' };
    trace.record('CP-1', 'a', { direction: 'charger_to_csms', action: 'StatusNotification', ocppCall: call });
    call.status = 'Faulted';
    assert.equal(trace.recent('CP-1')[0]!.ocppCall, '{"connectorId":1,"status":"Available"}');
  });

  it('marks the texts that newer messages pushed out of the buffer; the record itself stays', () => {
    const trace = new MessageTrace({ perCharger: 10, chargers: 10, maskIdTags: false, bufferBytes: 1024 });
    const envelope = (n: number) => `<Envelope n="${n}">${'.'.repeat(200)}</Envelope>`;
    trace.record('CP-1', 'old', {
      direction: 'charger_to_csms',
      action: 'Heartbeat',
      soapRequest: envelope(0),
      httpStatus: 200,
    });
    for (let n = 1; n <= 4; n++)
      trace.record('CP-2', `new-${n}`, { direction: 'charger_to_csms', soapRequest: envelope(n) });
    const [old] = trace.recent('CP-1');
    assert.equal(old!.soapRequest, TEXT_OVERWRITTEN);
    assert.equal(old!.action, 'Heartbeat');
    assert.equal(old!.httpStatus, 200);
    assert.deepEqual(
      trace.recent('CP-2').map((r) => r.soapRequest),
      [4, 3, 2, 1].map(envelope),
      'the newest texts are whole',
    );
  });

  it('reuses a full charger ring in place: a completion finds its record among the newest', () => {
    const trace = new MessageTrace({ perCharger: 3, chargers: 10, maskIdTags: false, bufferBytes: 1 << 16 });
    for (const id of ['1', '2', '3', '4']) trace.record('CP-1', id, part('Heartbeat'));
    trace.record('CP-1', '2', { direction: 'charger_to_csms', outcome: 'csms', ocppResult: { currentTime: 'x' } });
    const records = trace.recent('CP-1');
    assert.deepEqual(
      records.map((r) => [r.id, r.outcome, r.ocppResult]),
      [
        ['4', undefined, undefined],
        ['3', undefined, undefined],
        ['2', 'csms', '{"currentTime":"x"}'],
      ],
    );
    trace.record('CP-1', '5', part('StatusNotification'));
    const reused = trace.recent('CP-1');
    assert.deepEqual(
      reused.map((r) => r.id),
      ['5', '4', '3'],
    );
    assert.equal(reused[0]!.outcome, undefined, 'a reused slot (the one of record 2) starts empty');
    assert.equal(reused[0]!.ocppResult, undefined);
    assert.equal(reused[0]!.action, 'StatusNotification');
  });

  it('keeps the texts a CALL and its CALLRESULT crossed the wire as, shown as if serialised when recorded', () => {
    const trace = new MessageTrace({ perCharger: 5, chargers: 5, maskIdTags: true, bufferBytes: 1 << 16 });
    const call = { idTag: 'RFID-00012345', meterStart: 0.5, note: 'Müller "€"' };
    const wire: WireTexts = {};
    const frame = encodeCall('id-1', 'StartTransaction', call, wire);
    assert.deepEqual(JSON.parse(frame), [2, 'id-1', 'StartTransaction', call], 'the frame is unchanged');
    // A CSMS may space its JSON as it likes; the trace shows the payload as JSON.stringify writes it.
    const text = '[ 3 , "id-1" , { "transactionId" : 7 , "idTagInfo" : { "status" : "Accepted" } } ]';
    const result = received(wire, JSON.parse(text)[2], text);
    trace.record('CP-1', 'a', { direction: 'charger_to_csms', ocppCall: call, ocppResult: result, wire });
    const [record] = trace.recent('CP-1');
    assert.equal(record!.ocppCall, '{"idTag":"*********2345","meterStart":0.5,"note":"Müller \\"€\\""}');
    assert.equal(record!.ocppResult, '{"transactionId":7,"idTagInfo":{"status":"Accepted"}}');
    // Objects that are not the ones that crossed the wire are serialised as they are.
    const other = { transactionId: 8 };
    trace.record('CP-1', 'b', { direction: 'charger_to_csms', ocppCall: { x: 1 }, ocppResult: other, wire });
    assert.deepEqual(
      [trace.recent('CP-1')[0]!.ocppCall, trace.recent('CP-1')[0]!.ocppResult],
      ['{"x":1}', '{"transactionId":8}'],
    );
  });
});
