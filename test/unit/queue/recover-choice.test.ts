import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toRecover } from '../../../src/queue/direct-delivery.js';
import type { RecordedMessage } from '../../../src/queue/inflight.js';
import type { UpstreamJob } from '../../../src/queue/upstream-queue.js';

const job = (id: string, identity: string): RecordedMessage => ({ job: { id, identity } as UpstreamJob });
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
