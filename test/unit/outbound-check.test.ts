import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { csmsProtocolModule } from '../../src/ocpp/csms-protocols.js';
import { checkOutbound, outboundChecksSkipped, SAMPLE, setOutboundCheck } from '../../src/ocpp/outbound-check.js';
import { boundsByName, enumsByName } from '../../src/ocpp/schema-check.js';

/** SCHEMA_CHECK (docs/architecture.md#outbound-schema-checks), against the official 1.6 schemas. */
describe('outbound schema checks', () => {
  const ocpp16 = csmsProtocolModule('ocpp1.6')!;
  afterEach(() => setOutboundCheck('all'));

  it('all: every payload is checked', () => {
    setOutboundCheck('all');
    for (let i = 0; i < SAMPLE + 5; i++) assert.equal(checkOutbound(ocpp16, 'Heartbeat', 'req', {}).ok, true);
    assert.equal(checkOutbound(ocpp16, 'Authorize', 'req', { idTag: 7 }).ok, false);
  });

  it('sample: the first SAMPLE of each action are checked, then only payloads with long charger text', () => {
    setOutboundCheck('sample');
    const skippedBefore = outboundChecksSkipped();
    for (let i = 0; i < SAMPLE - 1; i++) checkOutbound(ocpp16, 'Authorize', 'req', { idTag: `T${i}` });
    assert.equal(checkOutbound(ocpp16, 'Authorize', 'req', { idTag: 7 }).ok, false, 'still within the sample');
    assert.equal(checkOutbound(ocpp16, 'Authorize', 'req', { idTag: 7 }).ok, true, 'past the sample: not checked');
    assert.equal(outboundChecksSkipped(), skippedBefore + 1);
    const long = checkOutbound(ocpp16, 'Authorize', 'req', { idTag: 'X'.repeat(21) });
    assert.equal(long.ok, false, 'text longer than the shortest bound is always checked');
    assert.equal(checkOutbound(ocpp16, 'Heartbeat', 'req', { extra: 1 }).ok, false, 'each action has its own sample');
  });

  /** A 1.6 MeterValues past the sample whose connectorId is of the wrong type: ok only when it is not checked. */
  const meterValues = (sampledValue: Record<string, string>) => ({
    connectorId: 'one',
    meterValue: [{ timestamp: '2026-12-06T10:00:00.000Z', sampledValue: [{ value: '1200', ...sampledValue }] }],
  });
  const pastTheSample = (module = ocpp16) => {
    setOutboundCheck('sample');
    for (let i = 0; i < SAMPLE; i++) checkOutbound(module, 'MeterValues', 'req', meterValues({}));
  };

  it('sample: a long value of the enumeration its property has in the schema is not free text', () => {
    pastTheSample();
    const skippedBefore = outboundChecksSkipped();
    const enumerated = meterValues({ measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' });
    assert.equal(checkOutbound(ocpp16, 'MeterValues', 'req', enumerated).ok, true, 'not checked');
    assert.equal(outboundChecksSkipped(), skippedBefore + 1);
  });

  it('sample: long text that is not a value of its property enumeration is checked', () => {
    pastTheSample();
    const misspelt = meterValues({ measurand: 'Energy.Active.Import.Registers' });
    assert.equal(checkOutbound(ocpp16, 'MeterValues', 'req', misspelt).ok, false);
    const elsewhere = meterValues({ value: 'Energy.Active.Import.Register' });
    assert.equal(checkOutbound(ocpp16, 'MeterValues', 'req', elsewhere).ok, false, 'value is free text');
    pastTheSample();
    for (let i = 0; i < SAMPLE; i++) checkOutbound(ocpp16, 'Authorize', 'req', { idTag: 'T' });
    const idTag = checkOutbound(ocpp16, 'Authorize', 'req', { idTag: 'Energy.Active.Import.Register' });
    assert.equal(idTag.ok, false, 'a measurand spelt in an idTag is checked, and too long');
  });

  it('sample: the 2.0.1 enumerations are read through the schema definitions', () => {
    const ocpp201 = csmsProtocolModule('ocpp2.0.1')!;
    const payload = (measurand: string) => ({
      evseId: 'one',
      meterValue: [{ timestamp: '2026-12-06T10:00:00.000Z', sampledValue: [{ value: 1200, measurand }] }],
    });
    setOutboundCheck('sample');
    for (let i = 0; i < SAMPLE; i++) checkOutbound(ocpp201, 'MeterValues', 'req', payload('Voltage'));
    assert.equal(checkOutbound(ocpp201, 'MeterValues', 'req', payload('Energy.Reactive.Import.Register')).ok, true);
    assert.equal(checkOutbound(ocpp201, 'MeterValues', 'req', payload('Energy.Reactive.Import.Registers')).ok, false);
  });

  it('sample: a string within the bound its property has everywhere is not free text (a minted transactionId)', () => {
    const ocpp201 = csmsProtocolModule('ocpp2.0.1')!;
    const event = (transactionId: string, seqNo: unknown = 1) => ({
      eventType: 'Updated',
      timestamp: '2026-12-06T10:00:00.000Z',
      triggerReason: 'MeterValuePeriodic',
      seqNo,
      transactionInfo: { transactionId },
    });
    setOutboundCheck('sample');
    for (let i = 0; i < SAMPLE; i++) checkOutbound(ocpp201, 'TransactionEvent', 'req', event(`tx-${i}`));
    const skippedBefore = outboundChecksSkipped();
    const minted = event('0b5bb2a4-3e51-4c34-9d3e-4f1a9e0c2d11', 'one');
    assert.equal(checkOutbound(ocpp201, 'TransactionEvent', 'req', minted).ok, true, '36 characters: not checked');
    assert.equal(outboundChecksSkipped(), skippedBefore + 1);
    const tooLong = checkOutbound(ocpp201, 'TransactionEvent', 'req', event('X'.repeat(37)));
    assert.equal(tooLong.ok, false, 'longer than its bound: checked, and refused');
  });
});

describe('enumsByName', () => {
  it('keeps a name only where every occurrence is an enumeration, with the values all of them allow', () => {
    const enums = enumsByName({
      definitions: {
        Unit: { enum: ['Wh', 'kWh', 'W'] },
        Node: { properties: { next: { $ref: '#/definitions/Node' } } },
      },
      properties: {
        unit: { $ref: '#/definitions/Unit' },
        samples: { items: { properties: { unit: { enum: ['Wh', 'W', 'A'] }, phase: { enum: ['L1', 'L2'] } } } },
        phases: { items: { enum: ['L1', 'L2', 'L3'] } },
        status: { enum: ['Accepted'] },
        info: { properties: { status: { type: 'string', maxLength: 50 } } },
        tree: { $ref: '#/definitions/Node' },
      },
    });
    assert.deepEqual([...(enums.get('unit') ?? [])], ['Wh', 'W'], 'the intersection of the two');
    assert.deepEqual([...(enums.get('phases') ?? [])], ['L1', 'L2', 'L3'], 'an array of enumerated items');
    assert.deepEqual([...(enums.get('phase') ?? [])], ['L1', 'L2']);
    assert.equal(enums.has('status'), false, 'free text in one place');
    assert.equal(enums.has('samples'), false);
    assert.equal(enums.has('next'), false, 'a recursive reference is followed once');
  });
});

describe('boundsByName', () => {
  it('keeps a name only where every occurrence is a plain bounded string, with the smallest bound', () => {
    const bounds = boundsByName({
      definitions: {
        Id: { type: 'string', maxLength: 36 },
        Node: { properties: { next: { $ref: '#/definitions/Node' } } },
      },
      properties: {
        transactionId: { $ref: '#/definitions/Id' },
        info: { properties: { transactionId: { type: 'string', maxLength: 50 }, note: { type: 'string' } } },
        idTags: { items: { type: 'string', maxLength: 20 } },
        note: { type: 'string', maxLength: 10 },
        timestamp: { type: 'string', format: 'date-time', maxLength: 40 },
        code: { type: 'string', pattern: '^[A-Z]+$', maxLength: 8 },
        count: { type: 'integer', maxLength: 3 },
        tree: { $ref: '#/definitions/Node' },
      },
    });
    assert.equal(bounds.get('transactionId'), 36, 'the smaller of 36 and 50');
    assert.equal(bounds.get('idTags'), 20, 'an array of bounded items');
    assert.equal(bounds.has('note'), false, 'unbounded in one place');
    assert.equal(bounds.has('timestamp'), false, 'a format');
    assert.equal(bounds.has('code'), false, 'a pattern');
    assert.equal(bounds.has('count'), false, 'not a string');
    assert.equal(bounds.has('next'), false, 'a recursive reference');
  });
});
