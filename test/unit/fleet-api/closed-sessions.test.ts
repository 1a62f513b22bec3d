import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClosedSessions } from '../../../src/fleet-api/closed-sessions.js';
import type { SessionRecord } from '../../../src/fleet-api/records.js';

const session = (sessionId: number, identity: string, recordedAt: number): SessionRecord => ({
  sessionId,
  identity,
  connectorId: 1,
  idTag: 'TAG',
  start: recordedAt - 60_000,
  meterStart: 0,
  samples: [],
  recordedAt,
});
const ids = (c: ClosedSessions<SessionRecord>) => c.all().map((s) => s.sessionId);

describe('fleet API: closed sessions kept', () => {
  it('keeps the close order, finds by id, and ignores a second session under a kept id', () => {
    const c = new ClosedSessions<SessionRecord>();
    for (const [id, who, at] of [
      [3, 'A', 10],
      [1, 'B', 20],
      [2, 'A', 30],
    ] as const)
      c.add(session(id, who, at));
    c.add(session(1, 'C', 40));
    assert.deepEqual(ids(c), [3, 1, 2]);
    assert.equal(c.byId(1)?.identity, 'B');
    assert.equal(c.byId(9), undefined);
  });

  it('drops the sessions recorded before the horizon, and tells of each once', () => {
    const c = new ClosedSessions<SessionRecord>();
    for (let i = 1; i <= 6; i++) c.add(session(i, i % 2 ? 'A' : 'B', i * 100));
    const told: number[] = [];
    c.dropOlderThan(350, (s) => told.push(s.sessionId));
    c.dropOlderThan(350, (s) => told.push(s.sessionId));
    assert.deepEqual(told, [1, 2, 3]);
    assert.deepEqual(ids(c), [4, 5, 6]);
    assert.equal(c.byId(2), undefined);
  });

  it('keeps at most `keep` sessions of a charger, dropping its oldest, the others untouched', () => {
    const c = new ClosedSessions<SessionRecord>();
    for (let i = 1; i <= 8; i++) c.add(session(i, i <= 5 ? 'A' : 'B', i));
    const told: number[] = [];
    c.dropBeyond('A', 2, (s) => told.push(s.sessionId));
    c.dropBeyond('B', 2, (s) => told.push(s.sessionId));
    assert.deepEqual(told, [1, 2, 3, 6]);
    assert.deepEqual(ids(c), [4, 5, 7, 8]);
    // The horizon skips what was dropped already, and stops at the first session it keeps.
    c.dropOlderThan(6, (s) => told.push(s.sessionId));
    assert.deepEqual(told, [1, 2, 3, 6, 4, 5]);
    assert.deepEqual(ids(c), [7, 8]);
  });

  it('stays in order through many drops and compactions', () => {
    const c = new ClosedSessions<SessionRecord>();
    let dropped = 0;
    for (let i = 1; i <= 20_000; i++) {
      c.add(session(i, `CP-${i % 7}`, i));
      c.dropOlderThan(i - 2_000, () => dropped++);
      c.dropBeyond(`CP-${i % 7}`, 250, () => dropped++);
    }
    const kept = ids(c);
    assert.equal(kept.length + dropped, 20_000);
    assert.equal(kept.length, 7 * 250);
    assert.deepEqual(
      kept,
      [...kept].sort((a, b) => a - b),
    );
    assert.equal(kept.at(-1), 20_000);
  });

  it('replace() starts again from the sessions given', () => {
    const c = new ClosedSessions<SessionRecord>();
    c.add(session(1, 'A', 1));
    c.replace([session(5, 'B', 5), session(6, 'A', 6)]);
    assert.deepEqual(ids(c), [5, 6]);
    assert.equal(c.byId(1), undefined);
  });
});
