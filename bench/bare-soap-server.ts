import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import soap from 'soap';
import { ocpp15Soap } from '../src/soap/dialects.js';

/**
 * Baseline "bare SOAP": a node-soap endpoint built from our CentralSystemService WSDL that answers every operation
 * locally (the cost of SOAP alone). Runs as its own process, like the gateway. Prints its port on stdout.
 */
const now = () => new Date().toISOString();
const service = {
  CentralSystemService: {
    CentralSystemServiceSoap12: {
      Heartbeat: () => ({ currentTime: now() }),
      BootNotification: () => ({ status: 'Accepted', currentTime: now(), heartbeatInterval: 300 }),
      Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
      StartTransaction: () => ({ transactionId: 4711, idTagInfo: { status: 'Accepted' } }),
      StopTransaction: () => ({ idTagInfo: { status: 'Accepted' } }),
      StatusNotification: () => ({}),
      MeterValues: () => ({}),
      DataTransfer: () => ({ status: 'Accepted' }),
      FirmwareStatusNotification: () => ({}),
      DiagnosticsStatusNotification: () => ({}),
    },
  },
};
const server = createServer();
soap.listen(server, {
  path: '/CentralSystemService',
  services: service,
  xml: readFileSync(ocpp15Soap.wsdlFiles.centralSystem, 'utf8'),
  forceSoap12Headers: true,
} as soap.IServerOptions);
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
