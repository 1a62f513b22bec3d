import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { loadConfig } from '../../src/config/config.js';
import { memoryRegistry } from '../../src/state/memory/registry.js';
import { UpstreamPool } from '../../src/upstream/pool.js';
import { createLogger } from '../../src/util/log.js';
import { until } from '../helpers/wait.js';

/** The pool opens many connections at once (a restart, a partition taken over) at a bounded rate, on real sockets. */
describe('upstream pool: many connections opened at once', () => {
  let wss: WebSocketServer;
  const acceptedAt: number[] = [];

  before(async () => {
    wss = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false),
    });
    wss.on('connection', () => acceptedAt.push(Date.now()));
    await new Promise((resolve) => wss.once('listening', resolve));
  });
  after(() => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  });

  it('reach the CSMS spread over time (100 a second), not as one burst, and every one of them arrives', async () => {
    const config = loadConfig(
      { CONFIG: '' },
      { csmsUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ocpp`, wsPingIntervalSec: 0 },
    );
    const pool = new UpstreamPool(config, createLogger('silent'), memoryRegistry(), () =>
      Promise.resolve({ payload: {} }),
    );
    const identities = Array.from({ length: 250 }, (_, i) => `CP-${i}`);
    const started = Date.now();
    pool.openSpread(identities);
    pool.openSpread(identities.slice(0, 50)); // asked twice: still one connection each
    await until(() => acceptedAt.length === 250, 'all 250 connections', 15_000);
    assert.ok(acceptedAt.filter((t) => t - started < 1_000).length <= 110, 'at most about 100 in the first second');
    assert.ok(Math.max(...acceptedAt) - started >= 2_000, 'the last one about 2.5 s after the first');
    assert.equal([...pool.entries()].length, 250);
    pool.closeAll();
  });
});
