import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { luaCommand } from '../../src/util/lua-command.js';
import { RedisProcess } from '../helpers/processes.js';
import { watchCommands } from '../helpers/redis-monitor.js';

/**
 * Lua scripts as commands (docs/architecture.md, "Design choices": script calls), on a redis-server of the test's own:
 * its script cache is flushed and the server restarted, which would disturb the other suites on the shared one.
 */
describe('Lua script calls (real Redis of its own)', () => {
  const server = new RedisProcess();
  const prefix = `lua-${randomUUID().slice(0, 8)}`;
  before(() => server.start());
  after(() => server.stop());

  /** A script of its own text (the prefix in a comment), so that no other test has sent it on any connection. */
  const echo = (name: string, body = 'KEYS[1], KEYS[2], ARGV[1], ARGV[2], #ARGV') =>
    `return {${body}} -- ${prefix}:${name}`;
  const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

  it('sends the text on a connection once (EVAL), then its SHA1 (EVALSHA), keys and arguments in order', async () => {
    const redis = new Redis(server.url);
    const watch = await watchCommands(server.url, `${prefix}:a`);
    try {
      const lua = echo('a');
      const call = luaCommand<[string, string, string, string]>(redis, 2, lua);
      assert.deepEqual(await call(`${prefix}:a:k1`, `${prefix}:a:k2`, 'first', 'second'), [
        `${prefix}:a:k1`,
        `${prefix}:a:k2`,
        'first',
        'second',
        2,
      ]);
      assert.deepEqual(await call(`${prefix}:a:k3`, `${prefix}:a:k4`, 'x', 'y'), [
        `${prefix}:a:k3`,
        `${prefix}:a:k4`,
        'x',
        'y',
        2,
      ]);
      const calls = (await watch.scriptsSoFar(redis)).map((c) => [c[0]!.toLowerCase(), ...c.slice(1)]);
      assert.deepEqual(calls, [
        ['eval', lua, '2', `${prefix}:a:k1`, `${prefix}:a:k2`, 'first', 'second'],
        ['evalsha', sha1(lua), '2', `${prefix}:a:k3`, `${prefix}:a:k4`, 'x', 'y'],
      ]);
    } finally {
      watch.stop();
      redis.disconnect();
    }
  });

  it('answers after the server lost its scripts: a flush (NOSCRIPT, then the text again) and a restart', async () => {
    const redis = new Redis(server.url, { maxRetriesPerRequest: null });
    try {
      // Any number of keys: the first argument says how many.
      const call = luaCommand<string[]>(redis, undefined, echo('b', 'KEYS[1], ARGV[1], #KEYS'));
      const expected = (n: number) => [`${prefix}:b:${n}`, `v${n}`, 1];
      assert.deepEqual(await call('1', `${prefix}:b:1`, 'v1'), expected(1));
      await redis.script('FLUSH');
      assert.deepEqual(await call('1', `${prefix}:b:2`, 'v2'), expected(2), 'answered after NOSCRIPT');
      assert.deepEqual(await call('1', `${prefix}:b:3`, 'v3'), expected(3));
      await server.stop();
      await server.start();
      assert.deepEqual(await call('1', `${prefix}:b:4`, 'v4'), expected(4), 'answered on the new connection');
    } finally {
      redis.disconnect();
    }
  });
});
