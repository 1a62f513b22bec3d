import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConnectionGuard, type RefusalReason } from '../../src/soap/connection-guard.js';
import { createLogger } from '../../src/util/log.js';
import { until } from '../helpers/wait.js';

/**
 * Which connection gives way when the SOAP port is full (docs/architecture.md#resource-bounds): the oldest that
 * serves no request, of the source holding the most; a connection whose request is being served never does.
 */

interface Peer {
  socket: Socket;
  /** The server closed it (an eviction), seen as the end of a half-open socket, a close or a reset. */
  gone: boolean;
}

function open(port: number, localAddress: string, firstBytes: string): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true }, () => {
      socket.off('error', reject);
      socket.write(firstBytes);
      resolve(peer);
    });
    const peer: Peer = { socket, gone: false };
    // Whatever is answered is read, so that the end of the connection is seen.
    socket.resume();
    for (const event of ['end', 'close', 'error']) socket.once(event, () => (peer.gone = true));
    socket.once('error', reject);
  });
}

const HALF_SENT = 'POST /CentralSystemService HTTP/1.1\r\nHost: gw\r\nX-Slow: ';
const HALF_BODY = 'POST /CentralSystemService HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nhi';
const WHOLE = 'POST /CentralSystemService HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\nhi';

describe('a full SOAP port makes room', () => {
  let server: Server;
  let guard: ConnectionGuard;
  let port: number;
  const peers: Peer[] = [];
  const evicted: number[] = [];
  const refused: RefusalReason[] = [];
  /** Answers held back: their requests are being served until released. */
  const held: ServerResponse[] = [];

  const connectFrom = async (source: string, bytes = HALF_SENT) => {
    const peer = await open(port, source, bytes);
    peers.push(peer);
    return peer;
  };

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => held.push(res));
    });
    guard = new ConnectionGuard({ perSource: 100, port: 3 }, createLogger('silent'), {
      evicted: () => evicted.push(Date.now()),
      refused: (reason) => refused.push(reason),
    });
    guard.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    for (const p of peers) p.socket.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('the oldest half-sent connection of the source holding most goes first, then the oldest of all', async () => {
    const a1 = await connectFrom('127.0.0.2');
    const a2 = await connectFrom('127.0.0.2');
    // Its headers are in, its body is not: a request is served only once it has arrived whole.
    const b1 = await connectFrom('127.0.0.3', HALF_BODY);
    await until(() => guard.open === 3, 'three connections to be held');

    const c1 = await connectFrom('127.0.0.4');
    await until(() => a1.gone, 'the oldest connection of 127.0.0.2 (two held) to be evicted');
    assert.deepEqual([a2.gone, b1.gone, c1.gone], [false, false, false]);

    // Now each source holds one: the oldest idle of all gives way.
    const c2 = await connectFrom('127.0.0.5');
    await until(() => a2.gone, 'the oldest remaining connection (127.0.0.2) to be evicted');
    assert.deepEqual([b1.gone, c1.gone, c2.gone], [false, false, false]);
    const c3 = await connectFrom('127.0.0.6');
    await until(() => b1.gone, 'the request whose body is half-sent to be evicted');
    assert.deepEqual([c1.gone, c2.gone, c3.gone], [false, false, false]);
    assert.equal(evicted.length, 3);
    assert.equal(guard.open, 3);
    assert.deepEqual(refused, []);
  });

  it('connections serving a request stay; when every one does, the new connection is refused', async () => {
    for (const p of peers) p.socket.destroy();
    await until(() => guard.open === 0, 'the earlier connections to be closed');
    const busy = [
      await connectFrom('127.0.0.2', WHOLE),
      await connectFrom('127.0.0.2', WHOLE),
      await connectFrom('127.0.0.3', WHOLE),
    ];
    await until(() => held.length === 3, 'three requests to be served');

    const late = await connectFrom('127.0.0.4');
    await until(() => late.gone, 'the new connection to be refused');
    assert.deepEqual(refused, ['port']);
    assert.deepEqual(
      busy.map((p) => p.gone),
      [false, false, false],
      'no connection serving a request was closed',
    );

    // Answered, the first becomes an idle keep-alive connection and the next newcomer takes its place.
    const answered = held.shift()!;
    const closed = once(answered, 'close');
    answered.end('done');
    await closed;
    const next = await connectFrom('127.0.0.5');
    await until(() => busy[0]!.gone, 'the idle keep-alive connection to be evicted');
    assert.deepEqual([busy[1]!.gone, busy[2]!.gone, next.gone], [false, false, false]);
    for (const res of held.splice(0)) res.end('done');
  });
  it('a keep-alive connection serving its second request stays like one serving its first', async () => {
    for (const p of peers) p.socket.destroy();
    await until(() => guard.open === 0, 'the earlier connections to be closed');
    const [a, b, c] = [
      await connectFrom('127.0.0.2', WHOLE),
      await connectFrom('127.0.0.3', WHOLE),
      await connectFrom('127.0.0.4', WHOLE),
    ];
    await until(() => held.length === 3, 'three requests to be served');
    const firstOfA = held.findIndex((res) => res.socket?.remotePort === a!.socket.localPort);
    const [answered] = held.splice(firstOfA, 1);
    const closed = once(answered!, 'close');
    answered!.end('done');
    await closed;
    // The same socket's next request: served again, so it is no longer the idle connection to give way.
    a!.socket.write(WHOLE);
    await until(() => held.length === 3, 'the second request on the keep-alive connection to be served');
    const refusedBefore = refused.length;
    const late = await connectFrom('127.0.0.5');
    await until(() => late.gone, 'the new connection to be refused');
    assert.deepEqual(refused.slice(refusedBefore), ['port']);
    assert.deepEqual([a!.gone, b!.gone, c!.gone], [false, false, false], 'no connection serving a request was closed');
    for (const res of held.splice(0)) res.end('done');
  });
});
