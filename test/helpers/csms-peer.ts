import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { check16 } from '../../src/ocpp/v16/protocol.js';
import { check201 } from '../../src/ocpp/v201/protocol.js';

const require = createRequire(import.meta.url);
// ocpp-rpc is the independent OCPP-J peer: its RPCServer in strictMode validates every CALL against the OCA schemas.
const { RPCServer, createRPCError } = require('ocpp-rpc') as {
  RPCServer: new (options: object) => RpcServer;
  createRPCError(code: string, message?: string, details?: object): Error;
};

interface RpcServer {
  auth(
    callback: (
      accept: (session?: object) => void,
      reject: (code: number, message: string) => void,
      handshake: { identity: string; password?: Buffer },
    ) => void,
  ): void;
  on(event: 'client', listener: (client: RpcServerClient) => void): void;
  listen(port: number, host?: string): Promise<{ address(): AddressInfo }>;
  close(options?: object): Promise<void>;
}
export interface RpcServerClient {
  identity: string;
  /** The subprotocol agreed on the handshake. */
  protocol: string;
  handle(handler: (call: { method: string; params: Record<string, unknown>; messageId: string }) => unknown): void;
  call(method: string, params: object, options?: object): Promise<Record<string, unknown>>;
  on(event: string, listener: (...args: any[]) => void): void;
  close(options?: object): Promise<void>;
}

export interface ReceivedCall {
  identity: string;
  action: string;
  payload: Record<string, unknown>;
  at: number;
  /** Which of the CSMS's WebSocket connections carried it (numbered as they were accepted). */
  connection: number;
}

export type CsmsHandler = (payload: Record<string, unknown>, identity: string) => unknown;

export const rpcError = (code: string, message = ''): Error => createRPCError(code, message);

/** Answers that are valid OCPP 1.6 for every charger-initiated action. */
export function defaultAnswer(action: string, payload: Record<string, unknown>): object {
  const now = new Date().toISOString();
  switch (action) {
    case 'BootNotification':
      return { status: 'Accepted', currentTime: now, interval: 300 };
    case 'Heartbeat':
      return { currentTime: now };
    case 'Authorize':
      return { idTagInfo: { status: 'Accepted' } };
    case 'StartTransaction':
      return { transactionId: 1000 + Number(payload.connectorId), idTagInfo: { status: 'Accepted' } };
    case 'StopTransaction':
      return { idTagInfo: { status: 'Accepted' } };
    case 'DataTransfer':
      return { status: 'Accepted' };
    default:
      return {};
  }
}

/** Answers that are valid OCPP 2.0.1 for every action a 2.0.1 station sends. */
export function defaultAnswer201(action: string, payload: Record<string, unknown>): object {
  const now = new Date().toISOString();
  switch (action) {
    case 'BootNotification':
      return { status: 'Accepted', currentTime: now, interval: 300 };
    case 'Heartbeat':
      return { currentTime: now };
    case 'Authorize':
      return { idTokenInfo: { status: 'Accepted' } };
    case 'TransactionEvent':
      return payload.idToken ? { idTokenInfo: { status: 'Accepted' } } : {};
    case 'DataTransfer':
      return { status: 'Accepted' };
    default:
      return {};
  }
}

export type TestProtocol = 'ocpp1.6' | 'ocpp2.0.1';

/**
 * A real OCPP-J central system on loopback (ocpp-rpc RPCServer, strictMode on), speaking 1.6 unless told 2.0.1.
 * Records every CALL it receives and re-validates each against the ocpp-rpc copy of the OCA schemas of its protocol,
 * so a test can assert that nothing the gateway emitted was schema-invalid; strict mode also refuses an invalid
 * CALLRESULT to the CALLs it makes.
 */
export class TestCsms {
  readonly protocols: TestProtocol[];
  /** The subprotocol each charger connected with. */
  readonly protocolOf = new Map<string, string>();

  /** One protocol, or several for a CSMS that serves chargers of both (the first is preferred). */
  constructor(protocol: TestProtocol | TestProtocol[] = 'ocpp1.6') {
    this.protocols = Array.isArray(protocol) ? protocol : [protocol];
  }

  readonly calls: ReceivedCall[] = [];
  readonly schemaFailures: { action: string; payload: unknown; error: string }[] = [];
  readonly handlers: Record<string, CsmsHandler> = {};
  readonly clients = new Map<string, RpcServerClient>();
  readonly passwords = new Map<string, string | undefined>();
  /** Identities the CSMS answers 404 on the handshake (unknown charger, OCPP-J 1.6 section 3.2). */
  readonly unknownIdentities = new Set<string>();
  port = 0;
  /** WebSocket connections accepted so far. */
  connectionCount = 0;
  private server?: RpcServer;
  private waiters: { predicate: (c: ReceivedCall) => boolean; resolve: (c: ReceivedCall) => void }[] = [];

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ocpp`;
  }

  async start(port = 0): Promise<this> {
    this.server = new RPCServer({ protocols: this.protocols, strictMode: true });
    this.server.auth((accept, reject, handshake) => {
      if (this.unknownIdentities.has(handshake.identity)) return reject(404, 'unknown identity');
      this.passwords.set(handshake.identity, handshake.password?.toString('utf8'));
      accept();
    });
    this.server.on('client', (client) => {
      const connection = ++this.connectionCount;
      this.clients.set(client.identity, client);
      this.protocolOf.set(client.identity, client.protocol);
      const check = client.protocol === 'ocpp2.0.1' ? check201 : check16;
      const answer = client.protocol === 'ocpp2.0.1' ? defaultAnswer201 : defaultAnswer;
      client.on('strictValidationFailure', (e: { error: Error; messageId: string }) => {
        this.schemaFailures.push({ action: 'strict', payload: e.messageId, error: e.error.message });
      });
      client.handle(async ({ method, params }) => {
        const valid = check(method, 'req', params);
        if (!valid.ok) this.schemaFailures.push({ action: method, payload: params, error: valid.message });
        const call: ReceivedCall = {
          identity: client.identity,
          action: method,
          payload: params,
          at: Date.now(),
          connection,
        };
        this.calls.push(call);
        this.waiters = this.waiters.filter((w) => (w.predicate(call) ? (w.resolve(call), false) : true));
        const handler = this.handlers[method];
        return handler ? handler(params, client.identity) : answer(method, params);
      });
    });
    const http = await this.server.listen(port, '127.0.0.1');
    this.port = (http.address() as AddressInfo).port;
    return this;
  }

  callsFor(identity: string, action?: string): ReceivedCall[] {
    return this.calls.filter((c) => c.identity === identity && (action === undefined || c.action === action));
  }

  /** Resolves with the first call (already received or future) that matches. */
  waitForCall(predicate: (c: ReceivedCall) => boolean, timeoutMs = 5_000): Promise<ReceivedCall> {
    const seen = this.calls.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('CSMS did not receive the expected CALL in time')), timeoutMs);
      this.waiters.push({ predicate, resolve: (c) => (clearTimeout(timer), resolve(c)) });
    });
  }

  async stop(): Promise<void> {
    await this.server?.close({ force: true, awaitPending: false });
  }
}
