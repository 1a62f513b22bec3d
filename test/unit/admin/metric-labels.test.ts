import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayMetrics, type FleetSnapshot } from '../../../src/admin/metrics.js';
import { operationLabel, rpcErrorLabel } from '../../../src/ocpp/vocabulary.js';

/** Metric labels come from fixed vocabularies (docs/architecture.md#resource-bounds). */
describe('metric labels', () => {
  it('operation names and RPC error codes of OCPP pass; invented ones become `other`', () => {
    for (const op of ['BootNotification', 'MeterValues', 'RequestStartTransaction', 'TriggerMessage', 'DataTransfer'])
      assert.equal(operationLabel(op), op);
    assert.equal(operationLabel('DropTables'), 'other');
    assert.equal(operationLabel('bootnotification'), 'other');
    assert.equal(rpcErrorLabel('FormationViolation'), 'FormationViolation');
    assert.equal(rpcErrorLabel('x'.repeat(100)), 'other');
  });

  it('a CSMS that invents actions and error codes adds one `other` series, not one per invention', async () => {
    const metrics = new GatewayMetrics(async () => ({}) as FleetSnapshot);
    for (let i = 0; i < 50; i++)
      metrics.onCsmsCall({
        identity: 'CP',
        action: `Invented${i}`,
        messageId: String(i),
        request: {},
        outcome: { error: { code: `Code${i}`, description: 'no' } },
        durationMs: 1,
      });
    const text = await metrics.registry.getSingleMetricAsString('ocppgw_messages_total');
    assert.doesNotMatch(text, /Invented/);
    assert.match(text, /operation="other",direction="csms_to_charger",outcome="callerror"} 50/);
  });
});
