import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { createLogger } from '../../src/util/log.js';
import { UpstreamConnection } from '../../src/upstream/connection.js';
import { UpstreamError, type UpstreamOptions } from '../../src/upstream/connection-types.js';
import { until } from '../helpers/wait.js';
import { ocpp16 } from '../../src/ocpp/v16/protocol.js';

/** A minimal OCPP-J 1.6 server on real sockets that records what the gateway's connection does. */
class RawCsms {
  readonly wss: WebSocketServer;
  readonly sockets: WebSocket[] = [];
  readonly authHeaders: (string | undefined)[] = [];
  readonly paths: string[] = [];
  pings = 0;
  answer = true;

  constructor(server?: ReturnType<typeof createHttpsServer>) {
    this.wss = new WebSocketServer({
      ...(server ? { server } : { port: 0, host: '127.0.0.1' }),
      handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false),
    });
    this.wss.on('connection', (ws, req) => {
      this.sockets.push(ws);
      this.authHeaders.push(req.headers.authorization);
      this.paths.push(req.url ?? '');
      ws.on('ping', () => this.pings++);
      ws.on('message', (data) => {
        const [, id, action] = JSON.parse(data.toString()) as [number, string, string];
        if (this.answer)
          ws.send(JSON.stringify([3, id, action === 'Heartbeat' ? { currentTime: new Date().toISOString() } : {}]));
      });
    });
  }

  get port(): number {
    return (this.wss.address() as AddressInfo).port;
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
  }
}

const logger = createLogger('silent');
const options = (csmsUrl: string, extra: Partial<UpstreamOptions> = {}): UpstreamOptions => ({
  csmsUrl,
  identity: 'CP 1/A',
  protocol: ocpp16,
  pingIntervalSec: 0,
  reconnectMinMs: 20,
  reconnectMaxMs: 200,
  logger,
  onCall: async () => ({ payload: {} }),
  ...extra,
});

describe('upstream connection (real WebSocket sockets)', () => {
  let csms: RawCsms;
  before(async () => {
    csms = new RawCsms();
    await new Promise((r) => csms.wss.once('listening', r));
  });
  after(() => csms.close());

  it('connects to CSMS_URL/<percent-encoded identity> with subprotocol ocpp1.6 and Basic auth', async () => {
    const conn = new UpstreamConnection(options(`ws://127.0.0.1:${csms.port}/ocpp/`, { password: 'pa:ss-0123456789' }));
    const result = await conn.call('Heartbeat', {}, Date.now() + 2_000);
    assert.ok(typeof result.currentTime === 'string');
    assert.equal(csms.paths.at(-1), '/ocpp/CP%201%2FA');
    assert.equal(csms.authHeaders.at(-1), `Basic ${Buffer.from('CP 1/A:pa:ss-0123456789').toString('base64')}`);
    conn.close();
  });

  it('reconnects after the CSMS drops the socket, and the next CALL goes through', async () => {
    const conn = new UpstreamConnection(options(`ws://127.0.0.1:${csms.port}/ocpp`));
    await conn.call('Heartbeat', {}, Date.now() + 2_000);
    const before = csms.sockets.length;
    csms.sockets.at(-1)!.terminate();
    await until(() => csms.sockets.length > before, 'the connection to reconnect on its own', 5_000);
    assert.equal(csms.sockets.length, before + 1, 'reconnected on its own');
    assert.ok(conn.reconnects >= 1);
    await conn.call('Heartbeat', {}, Date.now() + 2_000);
    conn.close();
  });

  it('sends WebSocket pings at the configured interval', async () => {
    const conn = new UpstreamConnection(options(`ws://127.0.0.1:${csms.port}/ocpp`, { pingIntervalSec: 1 }));
    await conn.call('Heartbeat', {}, Date.now() + 2_000);
    const before = csms.pings;
    const started = performance.now();
    await until(() => csms.pings - before >= 2, 'two pings', 5_000);
    // Two pings of a 1 s interval take at least about a second between them: not faster than configured.
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 900, `two pings after ${elapsed.toFixed(0)} ms`);
    conn.close();
  });

  it('a CALL without an answer times out at its deadline, and the next CALL is not blocked', async () => {
    const conn = new UpstreamConnection(options(`ws://127.0.0.1:${csms.port}/ocpp`));
    await conn.call('Heartbeat', {}, Date.now() + 2_000);
    csms.answer = false;
    await assert.rejects(
      conn.call('Heartbeat', {}, Date.now() + 200),
      (e: unknown) => e instanceof UpstreamError && e.kind === 'timeout',
    );
    csms.answer = true;
    await conn.call('Heartbeat', {}, Date.now() + 2_000);
    conn.close();
  });

  it('backs off exponentially with jitter while the CSMS is away', async () => {
    const down = new RawCsms();
    await new Promise((r) => down.wss.once('listening', r));
    const port = down.port;
    down.close();
    const conn = new UpstreamConnection(
      options(`ws://127.0.0.1:${port}/ocpp`, { reconnectMinMs: 50, reconnectMaxMs: 400 }),
    );
    await assert.rejects(conn.call('Heartbeat', {}, Date.now() + 1_000), UpstreamError);
    const attemptsAfter = conn.reconnects;
    const started = performance.now();
    await until(() => conn.reconnects - attemptsAfter >= 4, 'four more reconnect attempts', 5_000);
    // Caps of 50, 100, 200, 400 ms with half jitter: four attempts take at least 25 + 50 + 100 + 200 ms, where a hot
    // loop would take a few; and they come, within seconds, while the CSMS stays away.
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 300, `four reconnect attempts in ${elapsed.toFixed(0)} ms`);
    conn.close();
  });
});

describe('upstream connection over wss:// with a configured CA', () => {
  let dir: string;
  let https: ReturnType<typeof createHttpsServer>;
  let csms: RawCsms;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    https = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
    csms = new RawCsms(https);
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  });
  after(() => {
    csms.close();
    https.close();
  });

  it('trusts the CSMS certificate through the configured CA, and refuses it without', async () => {
    const url = `wss://127.0.0.1:${(https.address() as AddressInfo).port}/ocpp`;
    const trusted = new UpstreamConnection(options(url, { ca: readFileSync(join(dir, 'cert.pem')) }));
    assert.ok((await trusted.call('Heartbeat', {}, Date.now() + 3_000)).currentTime);
    trusted.close();
    const untrusted = new UpstreamConnection(options(url));
    await assert.rejects(
      untrusted.call('Heartbeat', {}, Date.now() + 3_000),
      (e: unknown) => e instanceof UpstreamError && /self-signed|certificate/i.test(e.message),
    );
    untrusted.close();
  });
});
