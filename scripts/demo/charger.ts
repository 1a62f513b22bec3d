import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import soap from 'soap';
import { ocpp15Soap } from '../../src/soap/dialects.js';

const NS = { cs: 'urn://Ocpp/Cs/2012/06/', wsa: 'http://www.w3.org/2005/08/addressing' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A simulated OCPP 1.5 SOAP charger: a node-soap client for its own messages, a node-soap server for commands. */
export class DemoCharger {
  private client!: soap.Client;
  private server!: Server;
  callbackUrl = '';
  private remoteStartRequested = false;
  private stopped = false;

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
          GetConfiguration: () => ({
            configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '60' }],
            unknownKey: [],
          }),
        },
      },
    };
    soap.listen(this.server, {
      path: '/ChargePointService',
      services: service,
      xml: readFileSync(ocpp15Soap.wsdlFiles.chargePoint, 'utf8'),
      forceSoap12Headers: true,
    } as soap.IServerOptions).log = () => undefined;
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.callbackUrl = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/ChargePointService`;
    this.client = await soap.createClientAsync(ocpp15Soap.wsdlFiles.centralSystem, {
      forceSoap12Headers: true,
      endpoint: this.gatewayUrl,
    });
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
    await this.send('StatusNotification', {
      connectorId: 1,
      status: 'Occupied',
      errorCode: 'NoError',
      timestamp: now(),
    });
    await this.send('Authorize', { idTag });
    const { transactionId } = await this.send('StartTransaction', {
      connectorId: 1,
      idTag,
      timestamp: now(),
      meterStart: 1000,
    });
    for (let i = 1; i <= 2; i++) {
      await sleep(700);
      await this.send('MeterValues', {
        connectorId: 1,
        transactionId,
        values: [
          {
            timestamp: now(),
            value: [
              {
                attributes: { measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
                $value: String(1000 + i * 350),
              },
              { attributes: { measurand: 'Current.Import', unit: 'Amp' }, $value: '16' },
            ],
          },
        ],
      });
    }
    await this.send('StopTransaction', { transactionId, idTag, timestamp: now(), meterStop: 1700 });
    await this.send('StatusNotification', {
      connectorId: 1,
      status: 'Available',
      errorCode: 'NoError',
      timestamp: now(),
    });
  }

  /** Boots, charges once, then heartbeats, charging again when a remote start came in or every `sessionEveryMs`. */
  async run(sessionEveryMs = Infinity): Promise<void> {
    await this.send('BootNotification', {
      chargePointVendor: 'DemoVendor',
      chargePointModel: 'Legacy15',
      firmwareVersion: '1.5.0',
    });
    await this.send('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    await this.session(`TAG-${this.identity}`);
    let lastSession = Date.now();
    while (!this.stopped) {
      await sleep(2_000);
      if (this.remoteStartRequested || Date.now() - lastSession >= sessionEveryMs) {
        const idTag = this.remoteStartRequested ? 'DEMO-REMOTE' : `TAG-${this.identity}`;
        this.remoteStartRequested = false;
        lastSession = Date.now();
        await this.session(idTag);
      } else await this.send('Heartbeat', {});
    }
  }

  stop(): void {
    this.stopped = true;
    this.server.close();
  }
}
