import { type Agent, request } from 'node:http';
import WebSocket from 'ws';

/** Kept-alive sockets the server had already closed when a request was written on them (retried once, see postSoap). */
export const staleSocketRetries = { count: 0 };

/**
 * HTTP POST over a keep-alive agent; resolves with the status code. A request written on a kept-alive socket that the
 * server closed at that moment (its keep-alive timeout passed while the bench measured something else) fails with
 * ECONNRESET before any answer; it is sent again once on a fresh socket, as Node's documentation for
 * `request.reusedSocket` recommends, and counted in `staleSocketRetries`. Any other failure is the caller's.
 */
export function postSoap(agent: Agent, url: URL, body: string, retried = false): Promise<number> {
  return exchangeSoap(agent, url, body, false, retried).then((r) => r.status);
}

/** postSoap that also reads the answer's text (`keep`), for senders that use what the answer says. */
export function exchangeSoap(
  agent: Agent,
  url: URL,
  body: string,
  keep: boolean,
  retried = false,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        if (keep) res.on('data', (d: Buffer) => (text += d));
        else res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && err.code === 'ECONNRESET') {
        staleSocketRetries.count++;
        exchangeSoap(agent, url, body, keep, true).then(resolve, reject);
      } else reject(err);
    });
    req.end(body);
  });
}

export interface LoadResult {
  completed: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

export const rate = (r: LoadResult) => r.completed / r.seconds;

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Closed loop: `clients` senders, each sending its next message when the previous is answered, for `seconds`.
 * Measures the maximum sustained throughput.
 */
export async function closedLoop(
  clients: number,
  seconds: number,
  send: (client: number, seq: number) => Promise<boolean>,
): Promise<LoadResult> {
  const until = performance.now() + seconds * 1000;
  const result: LoadResult = { completed: 0, errors: 0, seconds, latenciesMs: [] };
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let seq = 0; performance.now() < until; seq++) {
        const started = performance.now();
        const ok = await send(client, seq).catch(() => false);
        if (ok) {
          result.completed++;
          result.latenciesMs.push(performance.now() - started);
        } else result.errors++;
      }
    }),
  );
  return result;
}

/**
 * Open loop: messages started at a fixed `perSecond` rate whatever the answers, spread over `clients` identities,
 * for `seconds`. Measures latency at a given load (here: half of the maximum). `answered`, if given, is told of each
 * message when it ends: when it was due (ms from the start) and its latency, or undefined if it failed.
 */
export async function openLoop(
  perSecond: number,
  clients: number,
  seconds: number,
  send: (client: number, seq: number) => Promise<boolean>,
  answered?: (dueMs: number, latencyMs: number | undefined) => void,
): Promise<LoadResult> {
  const total = Math.max(1, Math.floor(perSecond * seconds));
  const interval = 1000 / perSecond;
  const result: LoadResult = { completed: 0, errors: 0, seconds, latenciesMs: [] };
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      send(i % clients, Math.floor(i / clients))
        .catch(() => false)
        .then((ok) => {
          const latency = ok ? performance.now() - due : undefined;
          if (latency !== undefined) {
            result.completed++;
            result.latenciesMs.push(latency);
          } else result.errors++;
          answered?.(due - start, latency);
        }),
    );
  }
  await Promise.all(inFlight);
  return result;
}

/** A plain OCPP-J client (the bare OCPP-J baseline): one WebSocket, CALLs answered in order. */
export class JsonClient {
  private ws!: WebSocket;
  private waiting = new Map<string, () => void>();
  private n = 0;

  static async connect(url: string): Promise<JsonClient> {
    const client = new JsonClient();
    client.ws = new WebSocket(url, ['ocpp1.6'], { perMessageDeflate: false });
    client.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as unknown[];
      const done = client.waiting.get(frame[1] as string);
      client.waiting.delete(frame[1] as string);
      done?.();
    });
    await new Promise((resolve, reject) => {
      client.ws.once('open', resolve);
      client.ws.once('error', reject);
    });
    return client;
  }

  call(action: string, payload: object): Promise<boolean> {
    const id = `j${this.n++}`;
    return new Promise((resolve) => {
      this.waiting.set(id, () => resolve(true));
      this.ws.send(JSON.stringify([2, id, action, payload]));
    });
  }

  close(): void {
    this.ws.close();
  }
}
