import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate, inflateRaw } from 'node:zlib';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const inflateRawAsync = promisify(inflateRaw);

export class BodyError extends Error {
  override name = 'BodyError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The body's bytes, refused with 413 once they pass `limit` (the rest is read and dropped). Listeners, not an async
 * iterator: the iterator and its end-of-stream watch were a measurable part of every message (bench/README.md,
 * "Sixteenth round"). A request that closes before its end rejects with a plain Error, as a read that failed.
 */
function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', finish).off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      finish(new BodyError(413, `request body exceeds the limit of ${limit} bytes`));
      req.resume();
    };
    const onEnd = () => finish();
    const onClose = () => finish(new Error('the request closed before its end'));
    req.on('data', onData).on('end', onEnd).on('error', finish).on('close', onClose);
  });
}

/**
 * Reads a request body up to `limit` bytes, before and after decompression: OCPP-S 6.1 requires gzip and deflate
 * (docs/charger-quirks.md#q23-action-location-and-compressed-bodies), and the limit after inflation stops zip bombs.
 * Exceeding it is 413, an unknown encoding 415.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`);
  }
  const raw = await collect(req, limit);
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  try {
    switch (encoding) {
      case 'identity':
      case '':
        return raw;
      case 'gzip':
      case 'x-gzip':
        return await gunzipAsync(raw, { maxOutputLength: limit });
      case 'deflate':
        // "deflate" is zlib-wrapped by the HTTP spec, but some stacks send raw deflate; accept both.
        return await inflateAsync(raw, { maxOutputLength: limit }).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ERR_BUFFER_TOO_LARGE') throw err;
          return inflateRawAsync(raw, { maxOutputLength: limit });
        });
      default:
        throw new BodyError(415, `Content-Encoding ${encoding} is not supported (use gzip, deflate or none)`);
    }
  } catch (err) {
    if (err instanceof BodyError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new BodyError(413, `decompressed request body exceeds the limit of ${limit} bytes`);
    }
    throw new BodyError(400, `request body is not valid ${encoding} data`);
  }
}
