import { randomUUID } from 'node:crypto';
import soap from 'soap';
import { NS } from '../../src/soap/namespaces.js';
import { parseXml } from '../../src/soap/xml.js';
import { child } from '../../src/soap/xml.js';
import type { SoapReply } from './soap.js';
import { ocpp15Soap, type SoapDialect } from '../../src/soap/dialects.js';

export interface ChargerCallResult<T> {
  result: T;
  messageId: string;
  reply: SoapReply;
}

/**
 * A SOAP charger (OCPP 1.5 unless told another dialect) as a node-soap client generated from the dialect's official
 * CentralSystemService WSDL, sending the full OCPP-S header set (chargeBoxIdentity, Action, MessageID, From, ReplyTo
 * anonymous, To).
 */
export class SoapCharger {
  private constructor(
    private readonly client: soap.Client,
    readonly identity: string,
    private readonly soapUrl: string,
    readonly callbackUrl?: string,
    readonly dialect: SoapDialect = ocpp15Soap,
  ) {}

  static async create(
    soapUrl: string,
    identity: string,
    callbackUrl?: string,
    dialect: SoapDialect = ocpp15Soap,
  ): Promise<SoapCharger> {
    const client = await soap.createClientAsync(dialect.wsdlFiles.centralSystem, {
      forceSoap12Headers: true,
      endpoint: soapUrl,
    });
    return new SoapCharger(client, identity, soapUrl, callbackUrl, dialect);
  }

  async call<T = Record<string, unknown>>(operation: string, args: object): Promise<ChargerCallResult<T>> {
    const messageId = `urn:uuid:${randomUUID()}`;
    const c = this.client;
    c.clearSoapHeaders();
    c.addSoapHeader(
      `<cs:chargeBoxIdentity xmlns:cs="${this.dialect.csNamespace}">${this.identity}</cs:chargeBoxIdentity>`,
    );
    const action = this.dialect.centralSystem().operations.get(operation)?.inputAction ?? `/${operation}`;
    c.addSoapHeader(`<wsa:Action xmlns:wsa="${NS.wsa}">${action}</wsa:Action>`);
    c.addSoapHeader(`<wsa:MessageID xmlns:wsa="${NS.wsa}">${messageId}</wsa:MessageID>`);
    if (this.callbackUrl)
      c.addSoapHeader(`<wsa:From xmlns:wsa="${NS.wsa}"><wsa:Address>${this.callbackUrl}</wsa:Address></wsa:From>`);
    c.addSoapHeader(
      `<wsa:ReplyTo xmlns:wsa="${NS.wsa}"><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>`,
    );
    c.addSoapHeader(`<wsa:To xmlns:wsa="${NS.wsa}">${this.soapUrl}</wsa:To>`);
    const method = (c as unknown as Record<string, (a: object) => Promise<[T, string]>>)[`${operation}Async`]!;
    const [result, rawResponse] = await method.call(c, args);
    const root = parseXml(rawResponse);
    const reply: SoapReply = {
      status: 200,
      contentType: String(c.lastResponseHeaders?.['content-type'] ?? ''),
      text: rawResponse,
      root,
      header: child(root, 'Header', NS.soap12),
      body: child(root, 'Body', NS.soap12)?.children[0],
    };
    // node-soap turns xs:dateTime into Date objects; compare as the ISO text that was on the wire.
    return { result: JSON.parse(JSON.stringify(result ?? {})) as T, messageId, reply };
  }
}
