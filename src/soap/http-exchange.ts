import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * Bounds on what a peer's answer may cost the gateway (docs/architecture.md#resource-bounds): its size on the wire
 * and once inflated, how far it may inflate, and how long the whole exchange may take.
 */
export interface ExchangeLimits {
  /** Largest answer accepted, in bytes, both as received and after gzip/deflate/br inflation. */
  maxBytes: number;
  /** Largest inflated/received ratio of a compressed answer (a bomb inflates thousands of times). */
  maxInflateRatio: number;
  /** Bound on the whole exchange, connection to last byte. */
  timeoutMs: number;
}

export type ExchangeFailure = 'timeout' | 'unreachable' | 'too-large' | 'refused';

/** The code a `lookup` gives an address it refuses to connect to (docs/architecture.md#callback-addresses). */
export const ADDRESS_REFUSED = 'EADDRESSREFUSED';

/** An exchange that produced no answer to read: `message` names why, never bytes of the answer. */
export class ExchangeError extends Error {
  override name = 'ExchangeError';
  constructor(
    readonly kind: ExchangeFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface ExchangeAnswer {
  status: number;
  /** The answer as text: UTF-8, without a byte order mark. */
  body: string;
}

export interface ExchangeRequest {
  url: URL;
  body: string;
  headers: Record<string, string>;
  /** Resolves the host for the connection: lets the caller check, and pin, the address actually connected to. */
  lookup?: LookupFunction;
}

/**
 * One HTTP POST and its answer, read within `limits`. Redirects are never followed (a 3xx is an answer like any
 * other status). The answer is collected as bytes and decoded once: no per-chunk string work, nothing quadratic.
 */
export function postExchange(req: ExchangeRequest, limits: ExchangeLimits): Promise<ExchangeAnswer> {
  const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
  // A timer of its own rather than an AbortSignal: the signal's listeners cost microseconds per call on a path taken
  // for every message routed to a legacy system. Destroying the request ends the answer's stream as well.
  const deadline = { expired: false };
  let timer: NodeJS.Timeout | undefined;
  return new Promise<ExchangeAnswer>((resolve, reject) => {
    const fail = (err: ExchangeError) => {
      outgoing.destroy();
      reject(err);
    };
    const outgoing = send(
      req.url,
      {
        method: 'POST',
        headers: { ...req.headers, 'content-length': Buffer.byteLength(req.body), 'accept-encoding': 'gzip, deflate' },
        lookup: req.lookup,
      },
      (res) => readAnswer(res, limits, deadline).then(resolve, (err: ExchangeError) => fail(err)),
    );
    timer = setTimeout(() => {
      deadline.expired = true;
      outgoing.destroy(timedOut(limits));
    }, limits.timeoutMs);
    outgoing.on('error', (err: NodeJS.ErrnoException) => {
      if (deadline.expired) reject(timedOut(limits));
      else if (err instanceof ExchangeError) reject(err);
      else if (err.code === ADDRESS_REFUSED) reject(new ExchangeError('refused', err.message));
      else reject(new ExchangeError('unreachable', err.code ?? err.message));
    });
    outgoing.end(req.body);
  }).finally(() => clearTimeout(timer));
}

function inflaterOf(encoding: string | undefined): Transform | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

const timedOut = (limits: ExchangeLimits) => new ExchangeError('timeout', `no answer within ${limits.timeoutMs} ms`);

/**
 * Reads the body, counting the bytes received and, for a compressed answer, the bytes it inflates to. The exchange's
 * time bound covers the body too: a body cut off by it is a timeout, whichever stream reports the abort first.
 */
function readAnswer(
  res: IncomingMessage,
  limits: ExchangeLimits,
  deadline: { readonly expired: boolean },
): Promise<ExchangeAnswer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (declared > limits.maxBytes) {
      res.destroy();
      reject(new ExchangeError('too-large', `answer of ${declared} bytes exceeds ${limits.maxBytes}`));
      return;
    }
    const inflater = inflaterOf(res.headers['content-encoding']);
    let received = 0;
    let inflated = 0;
    const chunks: Buffer[] = [];
    const stop = (message: string) => {
      res.destroy();
      inflater?.destroy();
      reject(new ExchangeError('too-large', message));
    };
    res.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) stop(`answer exceeds ${limits.maxBytes} bytes`);
    });
    const sink = inflater ?? res;
    if (inflater) {
      res.pipe(inflater);
      inflater.on('data', (chunk: Buffer) => {
        inflated += chunk.length;
        if (inflated > limits.maxBytes) stop(`answer inflates beyond ${limits.maxBytes} bytes`);
        else if (inflated > 64 * 1024 && inflated > received * limits.maxInflateRatio)
          stop(`answer inflates more than ${limits.maxInflateRatio} times`);
      });
    }
    if (inflater) inflater.on('data', (chunk: Buffer) => chunks.push(chunk));
    else res.on('data', (chunk: Buffer) => chunks.push(chunk));
    const broken = (what: string) => (err: Error) =>
      reject(deadline.expired ? timedOut(limits) : new ExchangeError('unreachable', `${what}: ${err.message}`));
    sink.on('error', broken('answer unreadable'));
    res.on('error', broken('answer interrupted'));
    sink.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: res.statusCode ?? 0, body: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text });
    });
  });
}
