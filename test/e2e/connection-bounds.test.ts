import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Server } from 'node:http';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

/**
 * The SOAP port's connection bounds (docs/architecture.md#resource-bounds): a source holds at most
 * MAX_CONNECTIONS_PER_SOURCE connections, and a request whose headers do not arrive in time loses its socket, even
 * when its client never reads nor closes.
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
        /^ocppgw_connections_refused_total (\d+)/m.exec(await (await fetch(`${gw.adminUrl}/metrics`)).text())?.[1],
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
