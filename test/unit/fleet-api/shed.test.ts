import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Shedder } from '../../../src/fleet-api/shed.js';
import { createLogger } from '../../../src/util/log.js';
import { until } from '../../helpers/wait.js';

describe('fleet API: the shed bookkeeping', () => {
  const station = { shed: { key: 'MaxAmps', voltage: 230, phases: 3 as const } };

  function charger() {
    const calls: [string, Record<string, unknown>][] = [];
    let value = '32';
    const command = async (_identity: string, action: string, payload: Record<string, unknown>) => {
      calls.push([action, payload]);
      if (action === 'GetConfiguration') return { configurationKey: [{ key: 'MaxAmps', value }] };
      value = String(payload.value);
      return { status: 'Accepted' };
    };
    return { calls, command, value: () => value };
  }

  it('three phases: 11 kW at 230 V is 15 A; the previous value is restored when the interval ends', async () => {
    const cp = charger();
    const shedder = new Shedder(
      () => station,
      cp.command,
      createLogger('silent'),
      () => true,
      5,
    );
    const outcome = await shedder.shed('CP', 'allowedLoad', 11, 2, Date.now());
    assert.equal(outcome.code, 100);
    assert.equal(cp.value(), '15');
    assert.deepEqual(shedder.state('CP')?.previous, '32');
    await until(() => cp.value() === '32', 'the restore at the end of the interval');
    assert.equal(shedder.state('CP'), undefined);
  });

  it('a charger without a shed key, or no way to command it: 176, nothing sent', async () => {
    const cp = charger();
    assert.equal(
      (await new Shedder(() => ({}), cp.command, createLogger('silent')).shed('CP', 'allowedLoad', 5, 0, 0)).code,
      176,
    );
    const off = new Shedder(
      () => station,
      cp.command,
      createLogger('silent'),
      () => false,
    );
    assert.equal(off.supports('CP'), false);
    assert.equal((await off.shed('CP', 'allowedLoad', 5, 0, 0)).code, 176);
    assert.deepEqual(cp.calls, []);
  });

  it('an unreachable charger: 115; a value under 1 A: 126', async () => {
    const failing = new Shedder(
      () => station,
      () => Promise.reject(new Error('no callback address')),
      createLogger('silent'),
    );
    assert.equal((await failing.shed('CP', 'allowedLoad', 5, 0, 0)).code, 115);
    const cp = charger();
    assert.equal(
      (await new Shedder(() => station, cp.command, createLogger('silent')).shed('CP', 'allowedLoad', 0.1, 0, 0)).code,
      126,
    );
  });
});
