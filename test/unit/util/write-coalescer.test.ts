import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { holdWritesThisTurn } from '../../../src/util/write-coalescer.js';

/** A stream that records each write it is asked to do, as a socket's writes reach the kernel. */
function recordingStream(): { stream: Writable; writes: string[][] } {
  const writes: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      done();
    },
  });
  return { stream, writes };
}

describe('writes of one turn of the event loop go out together', () => {
  it('frames written in one turn, even by a writer that corks around each, reach the stream in one write', async () => {
    const { stream, writes } = recordingStream();
    for (const frame of ['a', 'b', 'c']) {
      holdWritesThisTurn(stream);
      // As ws does per frame: its own cork around header and payload.
      stream.cork();
      stream.write(`${frame}-header`);
      stream.write(`${frame}-payload`);
      process.nextTick(() => stream.uncork());
    }
    assert.deepEqual(writes, [], 'nothing written before the turn ends');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes, [['a-header', 'a-payload', 'b-header', 'b-payload', 'c-header', 'c-payload']]);
  });

  it('without a hold every frame is a write of its own', async () => {
    const { stream, writes } = recordingStream();
    for (const frame of ['a', 'b']) {
      stream.cork();
      stream.write(`${frame}-header`);
      stream.write(`${frame}-payload`);
      stream.uncork();
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(writes.length, 2);
  });
});
