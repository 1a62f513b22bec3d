import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import soap from 'soap';
import { ocpp15Soap } from '../../src/soap/dialects.js';
import type { Say } from './csms.js';

/**
 * The demo's old OCPP 1.5 SOAP central system (node-soap, from the CentralSystemService WSDL): accepts every charger,
 * hands out transaction ids from 5000, and, to show a divergence, blocks the idTag TAG-DEMO-3 that the CSMS accepts.
 */
export async function startDemoLegacy(say: Say): Promise<{ url: string; close(): void }> {
  const server = createServer();
  let nextTx = 5000;
  const now = () => new Date().toISOString();
  const answers: Record<string, (args: any) => object> = {
    BootNotification: () => ({ status: 'Accepted', currentTime: now(), heartbeatInterval: 60 }),
    Heartbeat: () => ({ currentTime: now() }),
    Authorize: (args) => ({ idTagInfo: { status: args.idTag === 'TAG-DEMO-3' ? 'Blocked' : 'Accepted' } }),
    StartTransaction: () => ({ transactionId: nextTx++, idTagInfo: { status: 'Accepted' } }),
    StopTransaction: () => ({ idTagInfo: { status: 'Accepted' } }),
    DataTransfer: () => ({ status: 'Accepted' }),
  };
  const port: Record<string, (args: any) => object> = {};
  for (const operation of ocpp15Soap.centralSystem().operations.keys()) {
    port[operation] = (args) => {
      say(`legacy <- ${operation} ${JSON.stringify(args)}`);
      return (answers[operation] ?? (() => ({})))(args);
    };
  }
  const xml = readFileSync(ocpp15Soap.wsdlFiles.centralSystem, 'utf8');
  soap.listen(server, {
    path: '/CentralSystemService',
    services: { CentralSystemService: { CentralSystemServiceSoap12: port } },
    xml,
    forceSoap12Headers: true,
  } as soap.IServerOptions).log = () => undefined;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/CentralSystemService`,
    close: () => server.close(),
  };
}
