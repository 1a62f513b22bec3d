import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import soap from 'soap';
import { parseXml, type XmlElement } from '../../src/soap/xml.js';
import { ocpp15Soap, type SoapDialect } from '../../src/soap/dialects.js';

export interface ReceivedSoapCall {
  operation: string;
  args: Record<string, unknown>;
  headers: Record<string, unknown>;
  rawXml: string;
  parsed: XmlElement;
  contentType: string;
}

/** Valid 1.5 answers for every ChargePointService operation. */
function defaultAnswer(operation: string): object {
  switch (operation) {
    case 'GetConfiguration':
      return { configurationKey: [{ key: 'HeartBeatInterval', readonly: false, value: '300' }], unknownKey: [] };
    case 'GetDiagnostics':
      return { fileName: 'diag-2024.zip' };
    case 'GetLocalListVersion':
      return { listVersion: 7 };
    case 'UpdateFirmware':
      return {};
    case 'DataTransfer':
      return { status: 'Accepted', data: 'ok' };
    default:
      return { status: 'Accepted' };
  }
}

/**
 * A charger's ChargePointService: a node-soap server built from its dialect's official WSDL (1.5 unless told),
 * recording every call.
 */
export class NodeSoapChargePoint {
  constructor(private readonly dialect: SoapDialect = ocpp15Soap) {}

  readonly received: ReceivedSoapCall[] = [];
  readonly answers: Record<string, (args: Record<string, unknown>) => object> = {};
  private server?: Server;
  private lastRaw = new Map<IncomingMessage, string>();
  url = '';

  async start(): Promise<this> {
    this.server = createServer();
    const port: Record<
      string,
      (args: Record<string, unknown>, cb: unknown, headers: Record<string, unknown>, req: IncomingMessage) => object
    > = {};
    for (const operation of this.dialect.chargePoint().operations.keys()) {
      port[operation] = (args, _cb, headers, req) => {
        const rawXml = this.lastRaw.get(req) ?? '';
        this.lastRaw.delete(req);
        this.received.push({
          operation,
          args: JSON.parse(JSON.stringify(args ?? {})),
          headers: headers ?? {},
          rawXml,
          parsed: parseXml(rawXml),
          contentType: String(req.headers['content-type']),
        });
        return (this.answers[operation] ?? (() => defaultAnswer(operation)))(args ?? {});
      };
    }
    const listener = soap.listen(this.server, {
      path: '/ChargePointService',
      services: { ChargePointService: { ChargePointServiceSoap12: port } },
      xml: readFileSync(this.dialect.wsdlFiles.chargePoint, 'utf8'),
      forceSoap12Headers: true,
    } as soap.IServerOptions);
    // node-soap hands every received envelope to its log hook before dispatching it: keep it for the assertions.
    listener.log = (type: string, data: unknown, req: IncomingMessage) => {
      if (type === 'received') this.lastRaw.set(req, String(data));
    };
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ChargePointService`;
    return this;
  }

  last(operation: string): ReceivedSoapCall | undefined {
    return this.received.filter((r) => r.operation === operation).at(-1);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

export interface RawAnswer {
  status?: number;
  body?: string | Buffer;
  contentType?: string;
  /** More response headers (Content-Encoding of a compressed answer). */
  headers?: Record<string, string>;
  /** Never answer (a hung charger). */
  hang?: boolean;
}

/** A charger that answers with hand-written shapes from the quirks document (no header, faults, 5xx, hangs). */
export class RawChargePoint {
  readonly received: { rawXml: string; headers: IncomingMessage['headers'] }[] = [];
  answer: (rawXml: string) => RawAnswer = () => ({ status: 200, body: '' });
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.received.push({ rawXml: body, headers: req.headers });
        const a = this.answer(body);
        if (a.hang) return;
        res
          .writeHead(a.status ?? 200, {
            'Content-Type': a.contentType ?? 'application/soap+xml; charset=utf-8',
            ...a.headers,
          })
          .end(a.body ?? '');
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ocpp`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}
