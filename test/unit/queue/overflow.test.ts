import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { offlineAuthorization } from '../../../src/bridge/offline-authorize.js';
import { overflowDecision } from '../../../src/queue/overflow.js';
import { partitionOf } from '../../../src/queue/partition.js';
import { MemoryRegistry } from '../../../src/state/memory-registry.js';

describe('per-charger queue bound (issue 4)', () => {
  it('under the bound everything is queued', () => {
    for (const action of ['MeterValues', 'Heartbeat', 'Authorize', 'StopTransaction']) assert.equal(overflowDecision(action, 9, 10), 'queue');
  });
  it('over the bound: transactions and statuses queued, Heartbeat answered locally, the rest refused for a retry', () => {
    const table: [string, string][] = [
      ['StartTransaction', 'queue'],
      ['StopTransaction', 'queue'],
      ['StatusNotification', 'queue'],
      ['FirmwareStatusNotification', 'queue'],
      ['DiagnosticsStatusNotification', 'queue'],
      ['Heartbeat', 'answer-locally'],
      ['MeterValues', 'refuse'],
      ['Authorize', 'refuse'],
      ['BootNotification', 'refuse'],
      ['DataTransfer', 'refuse'],
    ];
    for (const [action, decision] of table) assert.equal(overflowDecision(action, 10, 10), decision, action);
  });
});

describe('partitions', () => {
  it('spread identities over every partition, the same on every instance', () => {
    const seen = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(`CP-${i}`, 16)));
    assert.equal(seen.size, 16);
    assert.equal(partitionOf('00:80:F4:44:13:AA', 16), partitionOf('00:80:F4:44:13:AA', 16));
  });
});

describe('offline Authorize policy (opt-in)', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('answers only from an earlier CSMS answer that is within the TTL and not expired', async () => {
    const registry = new MemoryRegistry();
    assert.equal(await offlineAuthorization(registry, 'CP', 'TAG', 3600, now), undefined, 'nothing known: no invented decision');
    await registry.cacheAuthorization('CP', 'TAG', { idTagInfo: { status: 'Accepted', parentIdTag: 'P' }, at: '2024-05-01T11:30:00Z' });
    assert.deepEqual(await offlineAuthorization(registry, 'CP', 'TAG', 3600, now), { idTagInfo: { status: 'Accepted', parentIdTag: 'P' } });
    assert.equal(await offlineAuthorization(registry, 'CP', 'TAG', 600, now), undefined, 'older than the TTL');
    assert.equal(await offlineAuthorization(registry, 'OTHER-CP', 'TAG', 3600, now), undefined, 'per charger');
    await registry.cacheAuthorization('CP', 'OLD', { idTagInfo: { status: 'Accepted', expiryDate: '2024-05-01T11:59:00Z' }, at: '2024-05-01T11:30:00Z' });
    assert.equal(await offlineAuthorization(registry, 'CP', 'OLD', 3600, now), undefined, 'past its expiryDate');
  });
});
