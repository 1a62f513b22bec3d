import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../../src/util/log.js';
import { until } from '../../helpers/wait.js';

describe('logs: identical warnings are written once a window, then summed up', () => {
  it('writes the first, counts the rest with the chargers they came from, and writes other lines as they come', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('info', { write: (l: string) => void lines.push(JSON.parse(l)) }, 200);
    for (let i = 0; i < 50; i++)
      logger.child({ chargeBoxIdentity: `CP-${i % 7}` }).warn('upstream connection failed: CSMS unreachable');
    logger.warn('something else');
    logger.info('info lines are never held back');
    logger.info('info lines are never held back');
    assert.deepEqual(
      lines.map((l) => l.msg),
      [
        'upstream connection failed: CSMS unreachable',
        'something else',
        'info lines are never held back',
        'info lines are never held back',
      ],
    );
    await until(() => lines.length === 5, 'the summary line');
    assert.equal(
      lines[4]!.msg,
      'upstream connection failed: CSMS unreachable (repeated 49 more times in the last 0.2 s)',
    );
    assert.deepEqual([lines[4]!.repeated, lines[4]!.chargers, lines[4]!.level], [49, 7, 40]);
    logger.warn('upstream connection failed: CSMS unreachable');
    assert.equal(lines.length, 6, 'a new window starts with a line of its own');
  });
});
