import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OfflinePolicies } from '../../../src/bridge/offline-policies.js';
import { overflowDecision } from '../../../src/bridge/overflow.js';
import { createLogger } from '../../../src/util/log.js';
import { partitionOf } from '../../../src/queue/partition.js';
import { memoryRegistry } from '../../../src/state/memory/registry.js';
import { sourcePolicies } from '../../../src/translate/tables.js';

const policy = (action: string) => {
  const p = sourcePolicies('ocpp1.5-soap').get(action);
  assert.ok(p, `a policy for ${action}`);
  return p;
};

describe('per-charger queue bound: the policy table of OCPP 1.5 operations', () => {
  it('under the bound everything is queued', () => {
    for (const action of ['MeterValues', 'Heartbeat', 'Authorize', 'StopTransaction'])
      assert.equal(overflowDecision(policy(action), 9, 10), 'queue');
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
    for (const [action, decision] of table) assert.equal(overflowDecision(policy(action), 10, 10), decision, action);
    assert.equal(sourcePolicies('ocpp1.5-soap').size, table.length, 'every 1.5 operation has a policy');
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
    const registry = memoryRegistry();
    const offline = (ttl: number) =>
      new OfflinePolicies(
        { offlineAuthorize: true, offlineStartTransaction: false, authorizeCacheTtlSec: ttl },
        registry,
        createLogger('silent'),
      );
    assert.equal(await offline(3600).authorization('CP', 'TAG', now), undefined, 'nothing known: no invented decision');
    await offline(3600).remember(
      'CP',
      'TAG',
      { status: 'Accepted', parentIdTag: 'P' },
      new Date('2024-05-01T11:30:00Z'),
    );
    assert.deepEqual(await offline(3600).authorization('CP', 'TAG', now), {
      idTagInfo: { status: 'Accepted', parentIdTag: 'P' },
    });
    assert.equal(await offline(600).authorization('CP', 'TAG', now), undefined, 'older than the TTL');
    assert.equal(await offline(3600).authorization('OTHER-CP', 'TAG', now), undefined, 'per charger');
    await offline(3600).remember(
      'CP',
      'OLD',
      { status: 'Accepted', expiryDate: '2024-05-01T11:59:00Z' },
      new Date('2024-05-01T11:30:00Z'),
    );
    assert.equal(await offline(3600).authorization('CP', 'OLD', now), undefined, 'past its expiryDate');
  });
  it('is switched on per policy: Authorize by offlineAuthorize, StartTransaction by offlineStartTransaction', () => {
    const registry = memoryRegistry();
    const only = (offlineAuthorize: boolean, offlineStartTransaction: boolean) =>
      new OfflinePolicies(
        { offlineAuthorize, offlineStartTransaction, authorizeCacheTtlSec: 60 },
        registry,
        createLogger('silent'),
      );
    assert.deepEqual(
      [only(true, false).enabled(policy('Authorize')), only(true, false).enabled(policy('StartTransaction'))],
      [true, false],
    );
    assert.deepEqual(
      [only(false, true).enabled(policy('Authorize')), only(false, true).enabled(policy('StartTransaction'))],
      [false, true],
    );
    assert.equal(only(true, true).enabled(policy('MeterValues')), false, 'no offline answer for other operations');
    assert.deepEqual(
      [only(false, false).remembersAuthorizations, only(false, true).remembersAuthorizations],
      [false, true],
    );
  });
});

describe('offline StartTransaction policy: local transaction ids (pure)', async () => {
  const { emptyChargerState } = await import('../../../src/translate/charger-state.js');
  const lt = await import('../../../src/translate/local-transactions.js');
  const { remoteStopTransaction } = await import('../../../src/translate/csms16/csms-initiated/same-shape.js');

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
    assert.deepEqual(lt.withCsmsTransactionId(mapped, { connectorId: 1, transactionId: first.localId }), {
      connectorId: 1,
      transactionId: 77,
    });
    const ctx = {
      now: 'x',
      options: { celsiusUnit: 'Celcius' as const, timezone: 'Z', bootRetryIntervalSec: 60 },
      gatewayKeys: { webSocketPingInterval: 0, supportedFeatureProfiles: '' },
      notes: [],
    };
    assert.deepEqual(
      remoteStopTransaction.toSoap({ transactionId: 77 }, mapped, ctx),
      { kind: 'soap', request: { transactionId: first.localId } },
      'RemoteStop reaches the charger with its own id',
    );
  });
});
