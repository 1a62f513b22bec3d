import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import soap from 'soap';
import { ocpp15Soap } from '../../src/soap/dialects.js';
import { NS } from '../../src/soap/namespaces.js';
import { child, parseXml, type XmlElement } from '../../src/soap/xml.js';
import { until } from './wait.js';

/**
 * A test double of an old OCPP 1.5 SOAP central system: node-soap's server built from the official
 * CentralSystemService WSDL in wsdl/, on a real HTTP server on 127.0.0.1. It answers the ten charger operations
 * (each answer overridable, a SOAP Fault included), records every request with its addressing headers, remembers
 * each charger's address from wsa:From (else ReplyTo) as a real central system does, and calls chargers there with a
 * node-soap client built from wsdl/ChargePointService.wsdl.
 */

export const LEGACY_OPERATIONS = [...ocpp15Soap.centralSystem().operations.keys()];

const WSA_ANONYMOUS = new Set([
  'http://www.w3.org/2005/08/addressing/anonymous',
  'http://www.w3.org/2005/08/addressing/none',
]);

/** The addressing headers of a request as they were on the wire (WS-Addressing 2005/08 only). */
export interface LegacyHeaders {
  chargeBoxIdentity?: string;
  /** The namespace the chargeBoxIdentity element was in. */
  chargeBoxIdentityNs?: string;
  action?: string;
  messageId?: string;
  from?: string;
  replyTo?: string;
  to?: string;
}

export interface LegacyRequestRecord {
  identity: string;
  operation: string;
  /** The request as node-soap decoded it, JSON-normalised (dates as ISO text). */
  request: Record<string, unknown>;
  headers: LegacyHeaders;
  rawXml: string;
  at: number;
}

/** An answer, or a Promise of one; throw `legacyFault(...)` to answer with a SOAP Fault. */
export type LegacyHandler = (
  request: Record<string, unknown>,
  identity: string,
  record: LegacyRequestRecord,
) => object | Promise<object>;

/** Throw this from a handler: node-soap answers it as a SOAP 1.2 Fault with an OCPP-S subcode. */
export function legacyFault(
  code: 'Sender' | 'Receiver',
  subcode: string,
  reason: string,
  statusCode = code === 'Sender' ? 400 : 500,
): object {
  return {
    Fault: {
      Code: { Value: `soap:${code}`, Subcode: { Value: `tns:${subcode}` } },
      Reason: { Text: reason },
      statusCode,
    },
  };
}

/** A call to a charger that did not produce a response: the HTTP status and, when there was one, the Fault. */
export class ChargerCallFailed extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly fault?: { code: string; subcode: string; reason: string },
  ) {
    super(message);
  }
}

function headersOf(root: XmlElement): LegacyHeaders {
  const out: LegacyHeaders = {};
  const header = child(root, 'Header', NS.soap12);
  for (const h of header?.children ?? []) {
    if (h.name.toLowerCase() === 'chargeboxidentity') {
      out.chargeBoxIdentity = h.text.trim();
      out.chargeBoxIdentityNs = h.ns;
    }
    if (h.ns !== NS.wsa) continue;
    if (h.name === 'Action') out.action = h.text.trim();
    if (h.name === 'MessageID') out.messageId = h.text.trim();
    if (h.name === 'To') out.to = h.text.trim();
    if (h.name === 'From') out.from = child(h, 'Address', NS.wsa)?.text.trim();
    if (h.name === 'ReplyTo') out.replyTo = child(h, 'Address', NS.wsa)?.text.trim();
  }
  return out;
}

function faultOf(text: string): ChargerCallFailed['fault'] {
  try {
    const fault = child(parseXml(text), 'Body', NS.soap12)?.children[0];
    if (fault?.name !== 'Fault') return undefined;
    const code = child(fault, 'Code', NS.soap12);
    const local = (el: XmlElement | undefined) => (el?.text ?? '').trim().replace(/^.*:/, '');
    return {
      code: local(code && child(code, 'Value', NS.soap12)),
      subcode: local(child(child(code!, 'Subcode', NS.soap12) ?? fault, 'Value', NS.soap12)),
      reason: child(child(fault, 'Reason', NS.soap12) ?? fault, 'Text', NS.soap12)?.text.trim() ?? '',
    };
  } catch {
    return undefined;
  }
}

export class LegacyCentralSystem {
  readonly received: LegacyRequestRecord[] = [];
  readonly handlers: Record<string, LegacyHandler> = {};
  /** Charger identity -> the address it gave in wsa:From (else ReplyTo). */
  readonly chargerAddresses = new Map<string, string>();
  private server?: Server;
  private nextTransactionId = 5000;
  private chargePointWsdl?: soap.WSDL;
  private readonly lastRaw = new Map<IncomingMessage, string>();
  port = 0;
  url = '';

  /** The default answers of a central system that accepts everything; transaction ids from 5000 upwards. */
  private defaultAnswer(operation: string): object {
    const now = new Date().toISOString();
    switch (operation) {
      case 'BootNotification':
        return { status: 'Accepted', currentTime: now, heartbeatInterval: 300 };
      case 'Authorize':
        return { idTagInfo: { status: 'Accepted' } };
      case 'StartTransaction':
        return { transactionId: this.nextTransactionId++, idTagInfo: { status: 'Accepted' } };
      case 'StopTransaction':
        return { idTagInfo: { status: 'Accepted' } };
      case 'Heartbeat':
        return { currentTime: now };
      case 'DataTransfer':
        return { status: 'Accepted' };
      default:
        return {};
    }
  }

  /** Listens on 127.0.0.1: an ephemeral port the first time, then the same port again unless one is given. */
  async start(port = this.port): Promise<this> {
    this.server = createServer();
    const service: Record<
      string,
      (args: unknown, cb: unknown, headers: unknown, req: IncomingMessage) => object | Promise<object>
    > = {};
    for (const operation of LEGACY_OPERATIONS)
      service[operation] = (args, _cb, _headers, req) => this.answer(operation, args, req);
    const listener = soap.listen(this.server, {
      path: '/CentralSystemService',
      services: { CentralSystemService: { CentralSystemServiceSoap12: service } },
      xml: readFileSync(ocpp15Soap.wsdlFiles.centralSystem, 'utf8'),
      forceSoap12Headers: true,
    } as soap.IServerOptions);
    // node-soap hands every received envelope to its log hook before dispatching it: keep it for the record.
    listener.log = (type: string, data: unknown, req: IncomingMessage) => {
      if (type === 'received') this.lastRaw.set(req, String(data));
    };
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}/CentralSystemService`;
    return this;
  }

  private answer(operation: string, args: unknown, req: IncomingMessage): object | Promise<object> {
    const rawXml = this.lastRaw.get(req) ?? '';
    this.lastRaw.delete(req);
    const headers = headersOf(parseXml(rawXml));
    const identity = headers.chargeBoxIdentity ?? '';
    const record: LegacyRequestRecord = {
      identity,
      operation,
      request: JSON.parse(JSON.stringify(args ?? {})),
      headers,
      rawXml,
      at: Date.now(),
    };
    this.received.push(record);
    const address = [headers.from, headers.replyTo].find((a) => a && !WSA_ANONYMOUS.has(a));
    if (identity && address) this.chargerAddresses.set(identity, address);
    const handler = this.handlers[operation];
    return handler ? handler(record.request, identity, record) : this.defaultAnswer(operation);
  }

  /** Stops listening (an outage); `start()` again listens on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** The first recorded request that satisfies `predicate`, waiting for it up to `ms`. */
  async waitFor(predicate: (r: LegacyRequestRecord) => boolean, ms = 8_000): Promise<LegacyRequestRecord> {
    await until(() => this.received.some(predicate), 'a request to the legacy central system', ms);
    return this.received.find(predicate)!;
  }

  /**
   * Calls a ChargePointService operation on a charger at the address it gave, with the OCPP-S headers
   * (chargeBoxIdentity, Action, MessageID, To, From); returns the decoded answer or throws ChargerCallFailed.
   */
  async callCharger(
    identity: string,
    operation: string,
    request: object,
    timeoutMs = 8_000,
  ): Promise<Record<string, unknown>> {
    const address = this.chargerAddresses.get(identity);
    if (!address) throw new Error(`the legacy central system knows no address of ${identity}`);
    this.chargePointWsdl ??= (
      await soap.createClientAsync(ocpp15Soap.wsdlFiles.chargePoint, { forceSoap12Headers: true })
    ).wsdl;
    const client = new soap.Client(this.chargePointWsdl, address, { forceSoap12Headers: true });
    client.addSoapHeader(
      `<cp:chargeBoxIdentity xmlns:cp="${ocpp15Soap.cpNamespace}">${identity}</cp:chargeBoxIdentity>`,
    );
    client.addSoapHeader(`<wsa:Action xmlns:wsa="${NS.wsa}">/${operation}</wsa:Action>`);
    client.addSoapHeader(`<wsa:MessageID xmlns:wsa="${NS.wsa}">urn:uuid:${randomUUID()}</wsa:MessageID>`);
    client.addSoapHeader(`<wsa:To xmlns:wsa="${NS.wsa}">${address}</wsa:To>`);
    client.addSoapHeader(`<wsa:From xmlns:wsa="${NS.wsa}"><wsa:Address>${this.url}</wsa:Address></wsa:From>`);
    const method = (client as unknown as Record<string, (a: object, o: object) => Promise<[unknown, string]>>)[
      `${operation}Async`
    ];
    if (!method) throw new Error(`ChargePointService has no operation ${operation}`);
    try {
      const [result] = await method.call(client, request, { timeout: timeoutMs, maxRedirects: 0 });
      return JSON.parse(JSON.stringify(result ?? {})) as Record<string, unknown>;
    } catch (err) {
      const e = err as { body?: unknown; response?: { status?: number }; message?: string };
      const status = e.response?.status;
      const fault = typeof e.body === 'string' ? faultOf(e.body) : undefined;
      throw new ChargerCallFailed(
        fault ? `Fault ${fault.code}/${fault.subcode}: ${fault.reason}` : `HTTP ${status ?? '-'}: ${e.message}`,
        status,
        fault,
      );
    }
  }
}
