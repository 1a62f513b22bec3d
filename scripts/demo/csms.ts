import { createRequire } from 'node:module';
import type { CsmsProtocol } from '../../src/ocpp/protocols.js';

const require = createRequire(import.meta.url);
const { RPCServer } = require('ocpp-rpc') as { RPCServer: new (o: object) => any };

export type Say = (line: string) => void;

/** The answers of a 1.6 central system that accepts everything; transaction ids from 1. */
function answer16(method: string, params: any, ids: { next: number }, say: Say, identity: string): object {
  const now = new Date().toISOString();
  switch (method) {
    case 'BootNotification':
      return { status: 'Accepted', currentTime: now, interval: 60 };
    case 'Heartbeat':
      return { currentTime: now };
    case 'Authorize':
      return { idTagInfo: { status: 'Accepted' } };
    case 'StartTransaction':
      return { transactionId: ids.next++, idTagInfo: { status: 'Accepted' } };
    case 'StopTransaction':
      say(
        `demo: full transaction bridged: ${identity} transaction ${params.transactionId} (StartTransaction -> MeterValues -> StopTransaction)`,
      );
      return { idTagInfo: { status: 'Accepted' } };
    case 'DataTransfer':
      return { status: 'Accepted' };
    default:
      return {};
  }
}

/** The answers of a 2.0.1 central system that accepts everything. */
function answer201(method: string, params: any, say: Say, identity: string): object {
  const now = new Date().toISOString();
  switch (method) {
    case 'BootNotification':
      return { status: 'Accepted', currentTime: now, interval: 60 };
    case 'Heartbeat':
      return { currentTime: now };
    case 'Authorize':
      return { idTokenInfo: { status: 'Accepted' } };
    case 'TransactionEvent':
      if (params.eventType === 'Ended')
        say(
          `demo: full transaction bridged: ${identity} transaction ${params.transactionInfo.transactionId} (TransactionEvent Started -> Updated -> Ended)`,
        );
      return params.idToken ? { idTokenInfo: { status: 'Accepted' } } : {};
    case 'DataTransfer':
      return { status: 'Accepted' };
    default:
      return {};
  }
}

/**
 * The demo central system: OCPP-J 1.6 or 2.0.1 with strict schema validation; prints every CALL it receives, and
 * starts a session on DEMO-2 remotely after its boot.
 */
export async function startDemoCsms(
  port: number,
  protocol: CsmsProtocol,
  say: Say,
): Promise<{ port: number; server: any }> {
  const server = new RPCServer({ protocols: [protocol], strictMode: true });
  const ids = { next: 1 };
  server.on('client', (client: any) => {
    say(`CSMS: ${client.identity} connected over OCPP-J ${protocol} (through the gateway)`);
    client.handle(({ method, params }: { method: string; params: any }) => {
      say(`CSMS <- ${client.identity} ${method} ${JSON.stringify(params)}`);
      if (method === 'BootNotification' && client.identity === 'DEMO-2')
        setTimeout(() => void remoteStart(client), 1500);
      return protocol === 'ocpp1.6'
        ? answer16(method, params, ids, say, client.identity)
        : answer201(method, params, say, client.identity);
    });
  });
  async function remoteStart(client: any): Promise<void> {
    const [method, params] =
      protocol === 'ocpp1.6'
        ? ['RemoteStartTransaction', { idTag: 'DEMO-REMOTE', connectorId: 1 }]
        : [
            'RequestStartTransaction',
            { idToken: { idToken: 'DEMO-REMOTE', type: 'ISO14443' }, remoteStartId: 1, evseId: 1 },
          ];
    say(`CSMS -> ${client.identity} ${method}`);
    const result = await client.call(method, params).catch((e: Error) => ({ error: e.message }));
    say(`CSMS <- ${client.identity} ${method} answered ${JSON.stringify(result)}`);
  }
  const http = await server.listen(port, '127.0.0.1');
  return { port: http.address().port, server };
}
