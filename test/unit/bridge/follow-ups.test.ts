import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { sendFollowUps } from '../../../src/bridge/follow-ups.js';
import { memoryRegistry } from '../../../src/state/memory/registry.js';
import { translationTables } from '../../../src/translate/tables.js';
import { createLogger } from '../../../src/util/log.js';

const STATUS = { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: '2024-05-01T12:00:00.000Z' };

/** sendFollowUps against a CSMS connection that is a plain object, with a logger whose lines are kept. */
async function send(level: string, payload: object) {
  const lines: { msg: string }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = createLogger(level, destination);
  const sent: string[] = [];
  let childLoggers = 0;
  await sendFollowUps('CP-1', [{ action: 'StatusNotification', payload }], {
    upstream: { get: () => ({ call: async (action: string) => (sent.push(action), {}) }) },
    registry: memoryRegistry(),
    tables: translationTables('ocpp1.5-soap', 'ocpp1.6')!,
    timeoutMs: 1_000,
    options: {} as never,
    log: () => (childLoggers++, logger.child({ chargeBoxIdentity: 'CP-1' })),
    infoEnabled: logger.isLevelEnabled('info'),
  });
  return { lines, sent, childLoggers };
}

describe("follow-ups: the CALLs sent on a charger's behalf", () => {
  it('makes no child logger for a follow-up sent while info lines are not logged', async () => {
    const r = await send('warn', STATUS);
    assert.deepEqual(r.sent, ['StatusNotification']);
    assert.equal(r.childLoggers, 0);
    assert.equal(r.lines.length, 0);
  });

  it('logs a sent follow-up at info, and one the schema refuses at error without sending it', async () => {
    const sent = await send('info', STATUS);
    assert.deepEqual(sent.sent, ['StatusNotification']);
    assert.equal(sent.childLoggers, 1);
    assert.match(sent.lines[0]!.msg, /sent StatusNotification on the charger's behalf/);
    const refused = await send('warn', { ...STATUS, status: 'NotAStatus' });
    assert.deepEqual(refused.sent, []);
    assert.equal(refused.childLoggers, 1);
    assert.match(refused.lines[0]!.msg, /not valid ocpp1\.6; not sent/);
  });
});
