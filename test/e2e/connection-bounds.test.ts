import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request, type Server } from 'node:http';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { GatewayProcess } from '../helpers/processes.js';
import { envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

/**
 * The SOAP port's connection bounds (docs/architecture.md#resource-bounds): a source holds at most
 * MAX_CONNECTIONS_PER_SOURCE connections, a request whose headers do not arrive in time loses its socket, even when
 * its client never reads nor closes, and a port full of half-sent requests makes room for a new connection.
 */

const HEARTBEAT = '<cs:heartbeatRequest/>';

/** A connection from `localAddress` (any 127.x address is this host) that sends half a request and never reads. */
function slowLoris(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true }, () => {
      socket.write('POST /CentralSystemService HTTP/1.1\r\nHost: gw\r\nX-Slow: ');
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** A POST on a connection of its own (never a pooled one), closed after the answer: its status, or 0 if refused. */
function postOnNewConnection(url: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const metricValue = async (adminUrl: string, series: string): Promise<number> => {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const escaped = series.replace(/[{}"]/g, '\\$&');
  return Number(new RegExp(`^${escaped} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
};

describe('SOAP port: per-source connection cap and slow-loris', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  let soapServer: Server;
  let port: number;
  const sockets: Socket[] = [];

  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway('embedded', csms.url, { maxConnectionsPerSource: 5, httpHeadersTimeoutMs: 300 });
    soapServer = (gw.gateway as unknown as { soapServer: Server }).soapServer;
    port = Number(new URL(gw.soapUrl).port);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await gw.stop();
    await csms.stop();
  });

  it('a source over the cap has its next connection closed at once and counted; other sources are served', async () => {
    const refused = async () =>
      Number(
        /^ocppgw_connections_refused_total\{reason="source"\} (\d+)/m.exec(
          await (await fetch(`${gw.adminUrl}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    assert.equal(await refused(), 0);
    for (let i = 0; i < 6; i++) sockets.push(await slowLoris(port, '127.0.0.2'));
    await until(async () => (await refused()) === 1, 'the sixth connection of 127.0.0.2 to be refused');
    const served = await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-NEIGHBOUR' }));
    assert.equal(served.status, 200, 'a charger of another source is served');
  });

  it('requests without their headers in time are destroyed, not ended: no socket is left to a client that never reads', async () => {
    // Counted on the server's side: a socket that is only ended stays open there while its client never reads.
    let open = 0;
    const track = (socket: Socket) => {
      if (socket.remoteAddress !== '127.0.0.3') return;
      open++;
      socket.once('close', () => open--);
    };
    soapServer.on('connection', track);
    for (let i = 0; i < 5; i++) sockets.push(await slowLoris(port, '127.0.0.3'));
    await until(() => open === 5, 'the server to accept the five slow connections');
    await until(
      () => open === 0,
      'the server to drop the slow connections (headers timeout 300 ms, checked every second)',
      5_000,
    );
    soapServer.off('connection', track);
    // Their source may connect again: the cap counts connections that are really open.
    const again = await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-AGAIN' }));
    assert.equal(again.status, 200);
  });
});

describe('SOAP port full of half-sent requests from one host', () => {
  // 300 descriptors, 100 of them in reserve: the port holds the limit less half the reserve, 250 connections, and
  // the process's own descriptors (about 30) still fit beside them. The per-source cap (1,000) is above the port's.
  const PORT_LIMIT = 300 - 100 / 2;
  const FLOOD = PORT_LIMIT + 40;
  let csms: TestCsms;
  let gw: GatewayProcess;
  const flood: Socket[] = [];

  before(async () => {
    csms = await new TestCsms().start();
    gw = await new GatewayProcess(
      {
        CSMS_URL: csms.url,
        ADMISSION: 'auto-accept',
        FD_RESERVE: '100',
        MAX_CONNECTIONS_PER_SOURCE: '1000',
        // The header timeout would clear the flood by itself; here it is longer than the test.
        HTTP_HEADERS_TIMEOUT_MS: '120000',
        HTTP_REQUEST_TIMEOUT_MS: '120000',
        LOG_LEVEL: 'warn',
      },
      'port-limit',
      300,
    ).start();
  });
  after(async () => {
    for (const s of flood) s.destroy();
    await gw.stop();
    await csms.stop();
  });

  it("a known charger is still answered: the flooding host's oldest half-sent connections make room", async () => {
    const adminUrl = `http://127.0.0.1:${gw.adminPort}`;
    const heartbeat = envelope(HEARTBEAT, { identity: 'CP-KNOWN' });
    assert.equal(await postOnNewConnection(gw.soapUrl, heartbeat), 200, 'the charger is known before the flood');
    const heard = csms.callsFor('CP-KNOWN', 'Heartbeat').length;

    let closed = 0;
    for (let i = 0; i < FLOOD; i++) {
      const socket = await slowLoris(gw.soapPort, '127.0.0.2');
      // Half-open sockets: the server's close shows as 'end' (or 'close', or an error after a reset).
      let gone = false;
      const lost = () => {
        if (!gone) closed++;
        gone = true;
      };
      for (const event of ['end', 'close', 'error']) socket.once(event, lost);
      flood.push(socket);
    }
    // Every connection past the limit took the place of an older one of the flood.
    await until(() => closed >= FLOOD - PORT_LIMIT, `${FLOOD - PORT_LIMIT} flood connections to be evicted`, 15_000);
    assert.equal((await fetch(`${adminUrl}/health`)).status, 200);

    // The known charger opens a new connection on a full port and is answered.
    await until(
      async () => (await postOnNewConnection(gw.soapUrl, heartbeat)) === 200,
      'a Heartbeat of the known charger to be answered 200 while the port is full',
      15_000,
    );
    await until(() => csms.callsFor('CP-KNOWN', 'Heartbeat').length > heard, 'the Heartbeat to reach the CSMS');
    // Every eviction hit the flooding host (the busiest source), counted once each; nothing was refused.
    await until(
      async () => (await metricValue(adminUrl, 'ocppgw_connections_evicted_total')) === closed,
      'every eviction to be counted',
    );
    assert.ok(closed >= FLOOD - PORT_LIMIT + 1, `${closed} flood connections evicted`);
    assert.equal(await metricValue(adminUrl, 'ocppgw_connections_refused_total{reason="port"}'), 0);
  });
});
