import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PhaseCost } from '../../../bench/costs.js';
import { costRounds } from '../../../bench/rounds.js';

const round = (cpuMicrosPerMessage: number, directShare: number, messagesPerJob: number): PhaseCost => ({
  cpuMicrosPerMessage,
  directShare,
  messagesPerJob,
  loopDelayP99Ms: 1,
  loopDelayMaxMs: 2,
  store: { commitsPerSecond: 0, messagesPerCommit: 0, writtenShare: 0, commitErrors: 0 },
});

describe('bench: each round of a phase in the log', () => {
  it('names every round in order, so a round that went through BullMQ stands out from the median', () => {
    const rounds = [round(720.4, 1, 0), round(1_061.2, 0.62, 1.53), round(700, 1, 0)];
    assert.equal(
      costRounds(rounds, true),
      '720, 1061, 700 us CPU per message; 100, 62, 100% delivered directly; 0.00, 1.53, 0.00 messages per job',
    );
  });

  it('without Redis, only the CPU per message (no job or direct delivery to speak of)', () => {
    assert.equal(costRounds([round(213, 0, 1), round(230.6, 0, 1)], false), '213, 231 us CPU per message');
  });
});
