/**
 * `npm run demo`: the gateway, a demo OCPP-J CSMS and three simulated OCPP 1.5 SOAP chargers on this machine.
 * The chargers boot, plug in, charge, send meter values and stop; the CSMS also starts a session remotely.
 * Open the dashboard it prints to watch both sides. Ctrl-C stops it; `--seconds N` stops it after N seconds.
 *
 * Ports: PORT (SOAP, default 8080), ADMIN_PORT (dashboard, 8081), DEMO_CSMS_PORT (9000); 0 picks free ones.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import soap from 'soap';
import { loadConfig } from '../src/config/config.js';
import { Gateway } from '../src/gateway.js';
import { createLogger } from '../src/util/log.js';
import { ocpp15Soap } from '../src/soap/dialects.js';

const require = createRequire(import.meta.url);
const { RPCServer } = require('ocpp-rpc') as { RPCServer: new (o: object) => any };

const secondsArg = process.argv.indexOf('--seconds');
const runFor = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : undefined;
const say = (line: string) => console.log(`${new Date().toISOString().slice(11, 19)}  ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NS = { cs: 'urn://Ocpp/Cs/2012/06/', wsa: 'http://www.w3.org/2005/08/addressing' };

/** The demo central system: OCPP-J 1.6, strict schema validation, prints every CALL it receives. */
async function startDemoCsms(port: number): Promise<{ port: number; server: any; transactions: Map<number, string[]> }> {
  const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
  const transactions = new Map<number, string[]>();
  let nextTx = 1;
  server.on('client', (client: any) => {
    say(`CSMS: ${client.identity} connected over OCPP-J (through the gateway)`);
    client.handle(({ method, params }: { method: string; params: any }) => {
      say(`CSMS <- ${client.identity} ${method} ${JSON.stringify(params)}`);
      const now = new Date().toISOString();
      switch (method) {
        case 'BootNotification':
          if (client.identity === 'DEMO-2') setTimeout(() => void remoteStart(client), 1500);
          return { status: 'Accepted', currentTime: now, interval: 60 };
        case 'Heartbeat':
          return { currentTime: now };
        case 'Authorize':
          return { idTagInfo: { status: 'Accepted' } };
        case 'StartTransaction': {
          const id = nextTx++;
          transactions.set(id, [`${client.identity} started`]);
          return { transactionId: id, idTagInfo: { status: 'Accepted' } };
        }
        case 'StopTransaction': {
          const tx = transactions.get(params.transactionId);
          if (tx) {
            tx.push('stopped');
            say(`demo: full transaction bridged: ${client.identity} transaction ${params.transactionId} (StartTransaction -> MeterValues -> StopTransaction)`);
          }
          return { idTagInfo: { status: 'Accepted' } };
        }
        default:
          return {};
      }
    });
  });
  async function remoteStart(client: any): Promise<void> {
    say(`CSMS -> ${client.identity} RemoteStartTransaction`);
    const result = await client.call('RemoteStartTransaction', { idTag: 'DEMO-REMOTE', connectorId: 1 }).catch((e: Error) => ({ error: e.message }));
    say(`CSMS <- ${client.identity} RemoteStartTransaction answered ${JSON.stringify(result)}`);
  }
  const http = await server.listen(port, '127.0.0.1');
  return { port: http.address().port, server, transactions };
}

/** A simulated OCPP 1.5 SOAP charger: a node-soap client for its own messages, a node-soap server for commands. */
class DemoCharger {
  private client!: soap.Client;
  private server!: Server;
  callbackUrl = '';
  private remoteStartRequested = false;

  constructor(
    readonly identity: string,
    private readonly gatewayUrl: string,
  ) {}

  async start(): Promise<void> {
    this.server = createServer();
    const service = {
      ChargePointService: {
        ChargePointServiceSoap12: {
          RemoteStartTransaction: () => {
            this.remoteStartRequested = true;
            return { status: 'Accepted' };
          },
          Reset: () => ({ status: 'Accepted' }),
          ClearCache: () => ({ status: 'Accepted' }),
          UnlockConnector: () => ({ status: 'Accepted' }),
          ChangeAvailability: () => ({ status: 'Accepted' }),
          GetConfiguration: () => ({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '60' }], unknownKey: [] }),
        },
      },
    };
    soap.listen(this.server, { path: '/ChargePointService', services: service, xml: readFileSync(ocpp15Soap.wsdlFiles.chargePoint, 'utf8'), forceSoap12Headers: true } as soap.IServerOptions).log = () => undefined;
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.callbackUrl = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/ChargePointService`;
    this.client = await soap.createClientAsync(ocpp15Soap.wsdlFiles.centralSystem, { forceSoap12Headers: true, endpoint: this.gatewayUrl });
  }

  async send(operation: string, args: object): Promise<any> {
    const c = this.client;
    c.clearSoapHeaders();
    c.addSoapHeader(`<cs:chargeBoxIdentity xmlns:cs="${NS.cs}">${this.identity}</cs:chargeBoxIdentity>`);
    c.addSoapHeader(`<wsa:Action xmlns:wsa="${NS.wsa}">/${operation}</wsa:Action>`);
    c.addSoapHeader(`<wsa:MessageID xmlns:wsa="${NS.wsa}">urn:uuid:${randomUUID()}</wsa:MessageID>`);
    c.addSoapHeader(`<wsa:From xmlns:wsa="${NS.wsa}"><wsa:Address>${this.callbackUrl}</wsa:Address></wsa:From>`);
    const [result] = await (c as any)[`${operation}Async`](args);
    return result;
  }

  /** One charging session, as a 1.5 charger reports it. */
  async session(idTag: string): Promise<void> {
    const now = () => new Date().toISOString();
    await this.send('StatusNotification', { connectorId: 1, status: 'Occupied', errorCode: 'NoError', timestamp: now() });
    await this.send('Authorize', { idTag });
    const { transactionId } = await this.send('StartTransaction', { connectorId: 1, idTag, timestamp: now(), meterStart: 1000 });
    for (let i = 1; i <= 2; i++) {
      await sleep(700);
      await this.send('MeterValues', {
        connectorId: 1,
        transactionId,
        values: [{ timestamp: now(), value: [{ attributes: { measurand: 'Energy.Active.Import.Register', unit: 'Wh' }, $value: String(1000 + i * 350) }, { attributes: { measurand: 'Current.Import', unit: 'Amp' }, $value: '16' }] }],
      });
    }
    await this.send('StopTransaction', { transactionId, idTag, timestamp: now(), meterStop: 1700 });
    await this.send('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: now() });
  }

  async run(): Promise<void> {
    await this.send('BootNotification', { chargePointVendor: 'DemoVendor', chargePointModel: 'Legacy15', firmwareVersion: '1.5.0' });
    await this.send('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    await this.session(`TAG-${this.identity}`);
    for (;;) {
      await sleep(2_000);
      if (this.remoteStartRequested) {
        this.remoteStartRequested = false;
        await this.session('DEMO-REMOTE');
      } else await this.send('Heartbeat', {});
    }
  }

  stop(): void {
    this.server.close();
  }
}

async function main(): Promise<void> {
  const csms = await startDemoCsms(Number(process.env.DEMO_CSMS_PORT ?? 9000));
  const config = loadConfig(
    { ...process.env, CONFIG: process.env.CONFIG ?? '' },
    {
      csmsUrl: `ws://127.0.0.1:${csms.port}/ocpp`,
      port: Number(process.env.PORT ?? 8080),
      adminPort: Number(process.env.ADMIN_PORT ?? 8081),
      host: '127.0.0.1',
      admission: 'auto-accept',
      logLevel: process.env.LOG_LEVEL ?? 'error',
    },
  );
  const gateway = new Gateway(config, createLogger(config.logLevel));
  const { soapPort, adminPort } = await gateway.start();
  const gatewayUrl = `http://127.0.0.1:${soapPort}/CentralSystemService`;
  console.log(`\nOCPP SOAP gateway demo
  dashboard:      http://127.0.0.1:${adminPort}/dashboard/
  SOAP endpoint:  ${gatewayUrl}
  demo CSMS:      ws://127.0.0.1:${csms.port}/ocpp (OCPP-J 1.6, strict validation)
  chargers:       DEMO-1, DEMO-2, DEMO-3 (OCPP 1.5 SOAP)
Ctrl-C to stop.\n`);
  const chargers = ['DEMO-1', 'DEMO-2', 'DEMO-3'].map((id) => new DemoCharger(id, gatewayUrl));
  for (const charger of chargers) {
    await charger.start();
    void charger.run().catch((err: Error) => say(`${charger.identity} stopped: ${err.message}`));
    await sleep(300);
  }
  const stop = async () => {
    for (const charger of chargers) charger.stop();
    await gateway.stop();
    await csms.server.close({ force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (runFor) setTimeout(() => void stop(), runFor * 1000);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
