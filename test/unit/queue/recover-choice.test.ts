import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toRecover } from '../../../src/queue/direct-delivery.js';
import { inClaimOrder, type RecordedMessage } from '../../../src/queue/inflight.js';
import type { UpstreamJob } from '../../../src/queue/upstream-queue.js';

const job = (id: string, identity: string): RecordedMessage => ({
  job: { id, identity } as UpstreamJob,
  field: identity,
});
const ids = (records: RecordedMessage[]) => records.map((r) => r.job.id);

/** Which in-flight records a consumer delivers on taking a partition (docs/architecture.md#direct-delivery). */
describe('direct delivery: the records delivered on taking a partition', () => {
  const left = [job('a', 'CP-1'), job('b', 'CP-2'), job('c', 'CP-3')];

  it('taken over: every record but those being delivered here', () => {
    const running = new Set(['b']);
    assert.deepEqual(ids(toRecover(left, { running, busy: () => true, idleOnly: false })), ['a', 'c']);
  });

  it("taken again: not a charger's record while its lock is held here (its own run settles it)", () => {
    const busy = (identity: string) => identity === 'CP-1';
    assert.deepEqual(ids(toRecover(left, { busy, idleOnly: true })), ['b', 'c']);
  });

  it('taken again: a record whose run found the lease lapsed is delivered, even while its charger is busy', () => {
    // The charger's next message holds its lock; without this, nothing delivers the record until the next takeover.
    const busy = (identity: string) => identity === 'CP-1' || identity === 'CP-2';
    const stranded = new Set(['a']);
    assert.deepEqual(ids(toRecover(left, { busy, stranded, idleOnly: true })), ['a', 'c']);
  });

  it('a stranded record being delivered again already is not started twice', () => {
    const stranded = new Set(['a']);
    assert.deepEqual(ids(toRecover(left, { running: new Set(['a']), busy: () => true, stranded, idleOnly: true })), []);
  });
});

/** A partition's records as a consumer delivers them (docs/architecture.md#direct-delivery). */
describe('direct delivery: the order of the records left in a partition', () => {
  const at = (id: string, identity: string, field: string, receivedAt: string): RecordedMessage => ({
    job: { id, identity, receivedAt } as UpstreamJob,
    field,
  });

  it("oldest arrival first; a charger's own records in claim order, even when their arrival times tie", () => {
    const t = '2026-12-07T10:00:00.000Z';
    const records = [
      at('a10', 'CP-1', 'CP-1\u000010', t),
      at('b', 'CP-2', 'CP-2', '2026-12-07T09:59:59.999Z'),
      at('a9', 'CP-1', 'CP-1\u00009', t),
      at('a', 'CP-1', 'CP-1', t),
      at('c', 'CP-3', 'CP-3', '2026-12-07T10:00:00.001Z'),
    ];
    assert.deepEqual(ids(inClaimOrder(records)), ['b', 'a', 'a9', 'a10', 'c']);
  });

  it("a charger's records keep the places of their arrivals among other chargers'", () => {
    const records = [
      at('x2', 'CP-X', 'CP-X\u00002', '2026-12-07T10:00:00.002Z'),
      at('y', 'CP-Y', 'CP-Y', '2026-12-07T10:00:00.003Z'),
      at('x1', 'CP-X', 'CP-X', '2026-12-07T10:00:00.004Z'),
    ];
    // The clock stepped back between the two claims of CP-X: its head still goes first.
    assert.deepEqual(ids(inClaimOrder(records)), ['x1', 'y', 'x2']);
  });
});
