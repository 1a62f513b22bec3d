import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LOOP_MONITOR_PERIOD_MS, lateness } from '../../../bench/costs.js';

describe('bench: event-loop delay from the monitor', () => {
  it('Node records the interval between ticks of the monitor, so an idle loop reads about the period', async () => {
    // The premise of the correction: if Node ever records the lateness alone, this fails and the bench must change.
    const histogram = monitorEventLoopDelay({ resolution: LOOP_MONITOR_PERIOD_MS });
    histogram.enable();
    while (histogram.count < 20) await new Promise((r) => setTimeout(r, LOOP_MONITOR_PERIOD_MS));
    histogram.disable();
    const p50 = histogram.percentile(50) / 1e6;
    assert.ok(p50 >= LOOP_MONITOR_PERIOD_MS * 0.9, `an idle loop's p50 interval is ${p50.toFixed(2)} ms`);
  });

  it('the lateness is the interval less the period, never below zero', () => {
    assert.equal(lateness(13.75), 3.75);
    assert.equal(lateness(LOOP_MONITOR_PERIOD_MS), 0);
    assert.equal(lateness(9.1), 0);
  });
});
