import soap from 'soap';

/** A fleet tool as real ones are built: a node-soap client from the WSDL the gateway serves, with WS-Security. */
export class FleetApiClient {
  private constructor(private readonly client: soap.Client) {}

  static async create(
    baseUrl: string,
    version: '4.1' | '5.0' | '5.1',
    key?: string,
    password?: string,
  ): Promise<FleetApiClient> {
    const client = await soap.createClientAsync(`${baseUrl}/cp_api_${version}.wsdl`);
    if (key !== undefined && password !== undefined)
      client.setSecurity(new soap.WSSecurity(key, password, { passwordType: 'PasswordText', hasTimeStamp: false }));
    return new FleetApiClient(client);
  }

  /** Calls one operation; resolves with the parsed answer and the raw XML. */
  async call(operation: string, args: object = {}): Promise<{ result: Record<string, unknown>; raw: string }> {
    const method = (this.client as unknown as Record<string, (a: object) => Promise<[unknown, string]>>)[
      `${operation}Async`
    ];
    if (!method) throw new Error(`the WSDL has no operation ${operation}`);
    const [result, raw] = await method.call(this.client, args);
    return { result: JSON.parse(JSON.stringify(result ?? {})) as Record<string, unknown>, raw };
  }

  /** The fault code of a call that must fail with a SOAP Fault. */
  async faultOf(operation: string, args: object = {}): Promise<string> {
    try {
      await this.call(operation, args);
    } catch (err) {
      const fault = (err as { root?: { Envelope?: { Body?: { Fault?: { faultcode?: string } } } } }).root?.Envelope
        ?.Body?.Fault;
      if (fault?.faultcode) return fault.faultcode;
      throw err;
    }
    throw new Error(`${operation} did not fail`);
  }
}

/** Repeated elements come back as an array, a single one as an object: always a list. */
export function list<T = Record<string, unknown>>(value: unknown): T[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as T[];
}
