import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayMetrics, type FleetSnapshot } from '../../../src/admin/metrics.js';
import { observeWith } from '../../../src/admin/observers.js';
import { MessageTrace } from '../../../src/admin/trace.js';
import { loadConfig } from '../../../src/config/config.js';

/** TRACE=false and MESSAGE_METRICS=false switch off what every message pays for; the refusal counters stay on. */
describe('observers: the trace and the per-message metrics can be off', () => {
  const snapshot = async () => ({}) as FleetSnapshot;
  const trace = () => new MessageTrace({ perCharger: 5, chargers: 5, maskIdTags: true, bufferBytes: 2 ** 16 });
  const exchange = {
    identity: 'CP-1',
    action: 'Heartbeat',
    jobId: 'job-1',
    call: {},
    result: { currentTime: '2024-05-01T12:00:00Z' },
    outcome: { kind: 'response', body: {} },
    via: 'csms',
  } as const;
  const soap = {
    identity: 'CP-1',
    jobId: 'job-1',
    action: 'Heartbeat',
    requestXml: '<s:Envelope/>',
    responseXml: '<s:Envelope/>',
    httpStatus: 200,
    durationMs: 1,
    dialect: 'ocpp1.5-soap',
  } as const;
  const counted = async (metrics: GatewayMetrics, name: string) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values.reduce((sum, v) => sum + v.value, 0);

  it('both on by default: the message is counted and traced', async () => {
    const config = loadConfig({ CONFIG: '', CSMS_URL: 'ws://csms/ocpp' });
    assert.equal(config.trace, true);
    assert.equal(config.messageMetrics, true);
    const metrics = new GatewayMetrics(snapshot);
    const t = trace();
    const observers = observeWith(metrics, t);
    observers.onSoapExchange!(soap);
    observers.onExchange!(exchange);
    assert.equal(await counted(metrics, 'ocppgw_messages_total'), 1);
    assert.equal(await counted(metrics, 'ocppgw_soap_requests_total'), 1);
    assert.equal(t.recent('CP-1').length, 1);
  });

  it('off: nothing counted per message, no trace record, a failed authentication still counted', async () => {
    const config = loadConfig({ CONFIG: '', CSMS_URL: 'ws://csms/ocpp', TRACE: 'false', MESSAGE_METRICS: 'false' });
    const metrics = new GatewayMetrics(snapshot);
    const t = trace();
    const observers = observeWith(metrics, config.trace ? t : undefined, {}, undefined, config.messageMetrics);
    observers.onSoapExchange!(soap);
    observers.onExchange!(exchange);
    observers.onAuthFailure!('CP-1', '127.0.0.1');
    assert.equal(await counted(metrics, 'ocppgw_messages_total'), 0);
    assert.equal(await counted(metrics, 'ocppgw_soap_requests_total'), 0);
    assert.equal(await counted(metrics, 'ocppgw_auth_failures_total'), 1);
    assert.deepEqual(t.recent('CP-1'), []);
  });
});
