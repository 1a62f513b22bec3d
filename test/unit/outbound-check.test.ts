import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { csmsProtocolModule } from '../../src/ocpp/csms-protocols.js';
import { checkOutbound, outboundChecksSkipped, SAMPLE, setOutboundCheck } from '../../src/ocpp/outbound-check.js';

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
});
