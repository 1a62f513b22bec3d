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

describe('offline StartTransaction policy: local transaction ids (pure)', async () => {
  const { emptyChargerState } = await import('../../../src/state/charger-state.js');
  const lt = await import('../../../src/translate/local-transactions.js');
  const { remoteStopTransaction } = await import('../../../src/translate/v16-v15/remote-stop-transaction.js');

  it('mints ids from 2,000,000,000 per charger, maps them, and translates both ways', () => {
    const first = lt.mintLocalTransaction(emptyChargerState('CP'), 1, 'TAG', '2024-05-01T12:00:00.000Z');
    assert.equal(first.localId, lt.FIRST_LOCAL_TRANSACTION_ID);
    const second = lt.mintLocalTransaction(first.state, 2, 'TAG', '2024-05-01T12:01:00.000Z');
    assert.equal(second.localId, lt.FIRST_LOCAL_TRANSACTION_ID + 1);
    const unmapped = second.state;
    assert.equal(lt.csmsTransactionId(unmapped, first.localId), first.localId, 'unknown until the CSMS answers');
    const mapped = lt.mapLocalTransaction(unmapped, first.localId, 77);
    assert.equal(lt.csmsTransactionId(mapped, first.localId), 77);
    assert.equal(lt.chargerTransactionId(mapped, 77), first.localId);
    assert.equal(lt.chargerTransactionId(mapped, 78), 78, 'ids the charger got from the CSMS are unchanged');
    assert.deepEqual(lt.withCsmsTransactionId(mapped, { connectorId: 1, transactionId: first.localId }), { connectorId: 1, transactionId: 77 });
    const ctx = { now: 'x', options: { celsiusUnit: 'Celcius' as const, timezone: 'Z', bootRetryIntervalSec: 60 }, gatewayKeys: { webSocketPingInterval: 0, supportedFeatureProfiles: '' }, notes: [] };
    assert.deepEqual(remoteStopTransaction.toSoap({ transactionId: 77 }, mapped, ctx), { kind: 'soap', request: { transactionId: first.localId } }, 'RemoteStop reaches the charger with its own id');
  });
});
