import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { inFreshNode as inFresh } from '../helpers/fresh-node.js';
import { deleteKeysWithPrefix } from '../helpers/redis-keys.js';
import { REDIS_URL } from '../helpers/gateway-harness.js';

/** `fast()` in a body says whether String.prototype has fast properties. */
const FAST = "const fast = new Function('return %HasFastProperties(String.prototype)');";
const inFreshNode = (body: string, env: Record<string, string> = {}) => inFresh(body, env, FAST);

/**
 * String methods after the Redis modules load (docs/architecture.md, "Design choices"): a module that subclasses
 * String turns String.prototype into a dictionary, and string code V8 optimises meanwhile stays on the slow path.
 */
describe('String.prototype after the Redis modules load', () => {
  it('ioredis leaves it in dictionary mode, and restoreFastStringPrototype makes it fast again', async () => {
    const out = await inFreshNode(`
      const before = fast();
      await import('ioredis');
      const loaded = fast();
      const { restoreFastStringPrototype } = await import('./src/util/string-prototype.ts');
      restoreFastStringPrototype();
      console.log(JSON.stringify({ before, loaded, restored: fast() }));
    `);
    // The first two are V8's and ioredis's behaviour, the reason for the workaround; the last is the workaround.
    assert.deepEqual(
      JSON.parse(out),
      { before: true, loaded: false, restored: true },
      'loaded: true would mean ioredis no longer slows String.prototype, and the workaround could go',
    );
  });

  it('a gateway that opens the Redis storage has a fast String.prototype', async () => {
    const prefix = `gwtest-${randomUUID().slice(0, 8)}`;
    try {
      const out = await inFreshNode(
        `
        const { loadConfig } = await import('./src/config/config.ts');
        const { createLogger } = await import('./src/util/log.ts');
        const { openStorage } = await import('./src/storage.ts');
        const config = loadConfig({
          CONFIG: '',
          CSMS_URL: 'ws://127.0.0.1:9/ocpp',
          REDIS_URL: process.env.T_REDIS,
          REDIS_PREFIX: process.env.T_PREFIX,
        });
        const storage = await openStorage(config, createLogger('silent'), { onPartition() {}, onFailure() {} });
        console.log(JSON.stringify({ kind: storage.kind, fast: fast() }));
        await storage.close();
        process.exit(0);
      `,
        { T_REDIS: REDIS_URL, T_PREFIX: prefix },
      );
      assert.deepEqual(JSON.parse(out.split('\n').at(-1)!), { kind: 'redis', fast: true });
    } finally {
      await deleteKeysWithPrefix(REDIS_URL, prefix);
    }
  });

  it('ownCopy keeps nothing of the text a string was cut from, and the callback verdicts keep such copies', async () => {
    // A slice of a long text is a view that keeps the whole text (docs/architecture.md, "Design choices"). Each of 100
    // chargers offers an address cut from an envelope of 400 KB: what the heap still holds once they are dropped.
    const out = await inFreshNode(`
      const { ownCopy } = await import('./src/util/string-prototype.ts');
      const { CallbackPolicy } = await import('./src/soap/callback-policy.ts');
      const { loadConfig } = await import('./src/config/config.ts');
      const collect = new Function('%CollectGarbage(0)');
      const pad = 'x'.repeat(200_000);
      const address = (i) => {
        const envelope = pad + '<From>http://10.1.0.' + i + ':8080/ChargePointService</From>' + pad;
        const start = envelope.indexOf('<From>') + 6;
        return envelope.slice(start, envelope.indexOf('</From>'));
      };
      const policy = new CallbackPolicy(loadConfig({ CONFIG: '' }, { csmsUrl: 'ws://csms', callbackPolicy: 'any' }));
      const kept = (make) => {
        collect();
        const before = process.memoryUsage().heapUsed;
        const held = Array.from({ length: 100 }, (_, i) => make(i));
        collect();
        const grown = process.memoryUsage().heapUsed - before;
        if (held.length !== 100) throw new Error('unreachable');
        return Math.round(grown / 1024);
      };
      console.log(JSON.stringify({
        slices: kept((i) => address(i)),
        copies: kept((i) => ownCopy(address(i))),
        verdicts: kept((i) => policy.judge('CP-' + i, { fromAddress: address(i) }, '10.1.0.' + i)),
        same: ownCopy(address(7)) === address(7) && ownCopy('\\ud800 lone surrogate, kept') === '\\ud800 lone surrogate, kept',
      }));
    `);
    const kib = JSON.parse(out) as { slices: number; copies: number; verdicts: number; same: boolean };
    assert.ok(kib.slices > 30_000, `slices keep their envelopes (the measure can see it): ${kib.slices} KiB`);
    assert.ok(kib.copies < 2_000, `copies keep none: ${kib.copies} KiB`);
    assert.ok(kib.verdicts < 2_000, `verdicts (cache key and URL) keep none: ${kib.verdicts} KiB`);
    assert.equal(kib.same, true, 'a copy has the same code units');
  });
});
