import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryAfterTrafficRow } from '../../../bench/memory-after-traffic.js';

describe('bench: memory of a gateway that has carried traffic', () => {
  it('gives the last reading, the peak, and every reading with the young generation and the trace buffer beside it', () => {
    const row = memoryAfterTrafficRow({
      chargers: 100,
      rate: 50,
      seconds: 30,
      samples: [
        { atS: 0, rssMiB: 86.2, newSpaceMiB: 16, oldSpaceMiB: 15.6, traceBufferMiB: 0.26 },
        { atS: 15, rssMiB: 112.4, newSpaceMiB: 32, oldSpaceMiB: 19.1, traceBufferMiB: 1.81 },
        { atS: 30, rssMiB: 117.3, newSpaceMiB: 32, oldSpaceMiB: 23.4, traceBufferMiB: 3.35 },
      ],
      peakRssMiB: 118.9,
      errors: 0,
    });
    assert.equal(row[0], 'gateway with 100 chargers after 30 s of MeterValues at 50 msg/s');
    assert.equal(row[1], 'RSS 117 MiB, peak 119 MiB');
    assert.equal(
      row[2],
      "RSS 86, 112, 117 MiB every 15 s from the boots on; V8's young generation 16, 32, 32 MB, old space 16, 19, 23 MB, trace buffer 0.3, 1.8, 3.4 MiB; 0 errors",
    );
    assert.equal(row[4], '', 'a diagnostic row has no result');
  });
});
