import { WebSocketServer, type WebSocket } from 'ws';

const NOW = '2024-05-01T12:00:00.000Z';
const ANSWERS_16: Record<string, string> = {
  BootNotification: JSON.stringify({ status: 'Accepted', currentTime: NOW, interval: 300 }),
  Heartbeat: JSON.stringify({ currentTime: NOW }),
  Authorize: JSON.stringify({ idTagInfo: { status: 'Accepted' } }),
  StartTransaction: JSON.stringify({ transactionId: 4711, idTagInfo: { status: 'Accepted' } }),
  StopTransaction: JSON.stringify({ idTagInfo: { status: 'Accepted' } }),
};

/** The same, as a 2.0.1 CSMS answers (TransactionEvent's idTokenInfo is optional: one answer fits every event). */
const ANSWERS_201: Record<string, string> = {
  BootNotification: JSON.stringify({ status: 'Accepted', currentTime: NOW, interval: 300 }),
  Heartbeat: JSON.stringify({ currentTime: NOW }),
  Authorize: JSON.stringify({ idTokenInfo: { status: 'Accepted' } }),
  TransactionEvent: JSON.stringify({ idTokenInfo: { status: 'Accepted' } }),
};

/** A CSMS that answers every CALL at once with a canned, schema-valid result: the cost of the CSMS is ~0. */
export class CsmsStub {
  readonly wss: WebSocketServer;
  readonly sockets = new Map<string, WebSocket>();
  calls = 0;
  private pending = new Map<string, (frame: unknown[]) => void>();

  constructor(port = 0, protocol: 'ocpp1.6' | 'ocpp2.0.1' = 'ocpp1.6') {
    const ANSWERS = protocol === 'ocpp1.6' ? ANSWERS_16 : ANSWERS_201;
    this.wss = new WebSocketServer({
      port,
      host: '127.0.0.1',
      perMessageDeflate: false,
      handleProtocols: (p) => (p.has(protocol) ? protocol : false),
    });
    this.wss.on('connection', (ws, req) => {
      const identity = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      this.sockets.set(identity, ws);
      ws.on('close', () => this.sockets.get(identity) === ws && this.sockets.delete(identity));
      ws.on('message', (data) => {
        const text = data.toString();
        if (text.charCodeAt(1) === 50 /* '2' */) {
          const firstComma = text.indexOf(',');
          const id = text.slice(firstComma + 2, text.indexOf('"', firstComma + 2));
          // The action ends at the next quote: found in place, so that a frame's cost here does not grow with its
          // payload (a split of the rest made an array of every quoted string in it).
          const from = text.indexOf('"', firstComma + 3 + id.length) + 1;
          const action = text.slice(from, text.indexOf('"', from));
          this.calls++;
          ws.send(`[3,"${id}",${ANSWERS[action] ?? '{}'}]`);
        } else {
          const frame = JSON.parse(text) as unknown[];
          this.pending.get(frame[1] as string)?.(frame);
        }
      });
    });
  }

  async ready(): Promise<number> {
    await new Promise((r) => this.wss.once('listening', r));
    return (this.wss.address() as { port: number }).port;
  }

  /** CSMS -> charger CALL; resolves with the answer frame. */
  call(identity: string, action: string, payload: object): Promise<unknown[]> {
    const ws = this.sockets.get(identity);
    if (!ws) return Promise.reject(new Error(`${identity} is not connected`));
    const id = `${identity}-${Math.random().toString(36).slice(2)}`;
    return new Promise((resolve) => {
      this.pending.set(id, (frame) => {
        this.pending.delete(id);
        resolve(frame);
      });
      ws.send(JSON.stringify([2, id, action, payload]));
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
