import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { BodyError, readBody } from '../../src/soap/body-reader.js';

/** readBody on real sockets: what a request's body gives, and how a body too large or cut short is refused. */
describe('request bodies (soap/body-reader.ts)', () => {
  const LIMIT = 64 * 1024;
  let server: Server;
  let port = 0;
  /** What readBody gave or threw for each request, in order. */
  const outcomes: (Buffer | Error)[] = [];
  const next = () => new Promise<Buffer | Error>((resolve) => waiters.push(resolve));
  const waiters: ((o: Buffer | Error) => void)[] = [];
  /** Resolved when the server's handler has the next request (its head read, the body not yet). */
  let arrived: () => void = () => undefined;

  before(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      arrived();
      const outcome = await readBody(req, LIMIT).catch((err: Error) => err);
      outcomes.push(outcome);
      waiters.shift()?.(outcome);
      if (outcome instanceof BodyError) res.writeHead(outcome.status).end(outcome.message);
      else if (outcome instanceof Error) res.destroy();
      else res.end(`${outcome.length}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => server.close());

  /** POSTs `chunks` one write each (chunked encoding, no length declared); resolves with the status and body. */
  const post = (chunks: Buffer[], headers: Record<string, string> = {}) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', method: 'POST', headers }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });

  it('a body sent in several writes is given whole', async () => {
    const parts = [Buffer.from('<a>'), Buffer.alloc(20_000, 0x62), Buffer.from('</a>')];
    const reply = await post(parts);
    assert.equal(reply.status, 200);
    assert.deepEqual(outcomes.at(-1), Buffer.concat(parts));
  });

  it('a streamed body past the limit is answered 413 while it is still coming', async () => {
    const reply = await post(Array.from({ length: 64 }, () => Buffer.alloc(16 * 1024, 0x61)));
    assert.equal(reply.status, 413);
    assert.match(reply.text, /exceeds the limit of 65536 bytes/);
  });

  it('a gzip body is inflated; one that inflates past the limit is 413', async () => {
    const xml = Buffer.from(`<x>${'y'.repeat(1000)}</x>`);
    assert.equal((await post([gzipSync(xml)], { 'Content-Encoding': 'gzip' })).text, String(xml.length));
    const bomb = await post([gzipSync(Buffer.alloc(LIMIT * 4, 0x20))], { 'Content-Encoding': 'gzip' });
    assert.equal(bomb.status, 413);
  });

  it('a request cut off before its end is a plain error, not a BodyError', async () => {
    const outcome = next();
    const handled = new Promise<void>((resolve) => (arrived = resolve));
    const socket = connect(port, '127.0.0.1', () =>
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n<partial'),
    );
    socket.on('error', () => undefined);
    await handled;
    socket.destroy();
    const result = await outcome;
    assert.ok(result instanceof Error && !(result instanceof BodyError), `got ${String(result)}`);
  });
});
