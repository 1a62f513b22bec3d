import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinishSignal } from '../../../src/queue/finish-signal.js';

describe('finish signal (a batch waiting behind an older job of its charger)', () => {
  it("wakes a waiter when a job of one of its chargers finishes, and not for another charger's", async () => {
    const signal = new FinishSignal();
    let woken = false;
    const waiting = signal.wait(['A', 'B'], 600_000).then(() => (woken = true));
    signal.finished(['C']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(woken, false, 'a job of another charger does not wake it');
    signal.finished(['X', 'B']);
    await waiting;
    assert.equal(woken, true);
    assert.equal(signal.size, 0, 'a woken waiter leaves nothing behind, for any of its chargers');
  });

  it('wakes every waiter of the charger, and a waiter that times out is forgotten', async () => {
    const signal = new FinishSignal();
    const woken: string[] = [];
    const first = signal.wait(['A'], 600_000).then(() => woken.push('first'));
    const second = signal.wait(['A'], 600_000).then(() => woken.push('second'));
    signal.finished(['A']);
    await Promise.all([first, second]);
    assert.deepEqual(woken.sort(), ['first', 'second']);
    await signal.wait(['D'], 5);
    assert.equal(signal.size, 0, 'the poll interval passed: the waiter is gone');
  });
});
