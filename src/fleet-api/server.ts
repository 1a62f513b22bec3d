import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { GatewayObservers } from '../admin/observers.js';
import { randomUUID } from 'node:crypto';
import type { CsmsCallHandler } from '../bridge/csms-calls.js';
import { type GatewayConfig, csmsProtocolOf } from '../config/config.js';
import { BodyError, readBody } from '../soap/body-reader.js';
import type { ChargerRegistry } from '../state/registry.js';
import { SqliteStore } from '../state/sqlite-store.js';
import type { Redis } from 'ioredis';
import { type RecordsPersistence, redisPersistence, sqlitePersistence } from './persistence.js';
import type { Logger } from '../util/log.js';
import { type ApiVersion, ApiAnswer, type Method, type MethodContext } from './context.js';
import { ApiCredentials } from './credentials.js';
import { COMMAND_METHODS } from './methods-commands.js';
import { RESERVATION_METHODS } from './methods-reservations.js';
import { STATION_METHODS } from './methods-stations.js';
import { USAGE_METHODS } from './methods-usage.js';
import { FleetRecords } from './records.js';
import { recordsRouter } from './admin-records.js';
import type { Router } from 'express';
import { Reservations } from './reservations.js';
import { type ChargerCommand, Shedder } from './shed.js';
import { RequestError, readApiRequest } from './request.js';
import { type Station, stationOf } from './stations.js';
import { type Field, answer, envelopeXml, faultXml } from './wire.js';
import { wsdlXml } from './wsdl.js';

const SERVICE = /^\/webservices\/chargepoint\/services\/(4\.1|5\.0|5\.1)$/;
const WSDL_FILE = /^\/cp_api_(4\.1|5\.0|5\.1)\.wsdl$/;
const XML_TYPE = 'text/xml; charset=utf-8';

const METHODS: Record<string, Method> = {
  ...STATION_METHODS,
  ...USAGE_METHODS,
  ...COMMAND_METHODS,
  ...RESERVATION_METHODS,
};

export type FleetApiOptions = Pick<GatewayConfig, 'fleetApi' | 'redisPrefix' | 'csmsProtocol' | 'chargers'>;

/**
 * The ChargePoint Web Services API over the gateway's fleet (docs/fleet-api.md): the HTTP handler on the SOAP
 * port, the credentials, and the records it keeps from the charger messages the gateway bridges.
 */
export class FleetApi {
  readonly records: FleetRecords;
  readonly shedder: Shedder;
  readonly reservations: Reservations;
  private readonly credentials: ApiCredentials;
  /** Commands to chargers, through the gateway's CSMS-call path once it exists. */
  private command?: ChargerCommand;
  /** Settles once the durable records are read back. */
  private restored: Promise<void> = Promise.resolve();
  private persistence?: RecordsPersistence;

  /**
   * Gives the gateway its API when at least one key is configured (nothing is served otherwise), and returns the
   * observers that feed the API's records. The registry is read through the host: the gateway creates it later.
   */
  static attach(
    host: {
      config: FleetApiOptions;
      logger: Logger;
      registry: Pick<ChargerRegistry, 'states' | 'contacts'>;
      fleetApi?: FleetApi;
    },
    extra: GatewayObservers,
  ): GatewayObservers {
    if (!FleetApi.enabled(host.config)) return extra;
    host.fleetApi = new FleetApi(host.config, () => host.registry, host.logger);
    return host.fleetApi.observing(extra);
  }

  constructor(
    private readonly config: FleetApiOptions,
    /** A getter: the gateway creates its registry after its observers. */
    private readonly registry: () => Pick<ChargerRegistry, 'states' | 'contacts'>,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.records = new FleetRecords(config.fleetApi);
    // Sheds and reservations speak OCPP 1.6 to the CSMS-call path: chargers bridged to 2.0.1 get neither.
    const shedStation = (identity: string) =>
      csmsProtocolOf(config, identity) === 'ocpp1.6' ? config.chargers[identity]?.station : undefined;
    this.shedder = new Shedder(
      shedStation,
      (...args) => this.command!(...args),
      logger,
      () => this.command !== undefined,
    );
    this.reservations = new Reservations(
      shedStation,
      (...args) => this.command!(...args),
      () => this.command !== undefined,
      config.fleetApi.reservationIdBase,
    );
    this.credentials = new ApiCredentials(config.fleetApi);
  }

  /** Off until at least one key is configured: then nothing of the API is served. */
  static enabled(config: FleetApiOptions): boolean {
    return config.fleetApi.keys.length > 0;
  }

  /**
   * The handler for the SOAP port. From now on the records are kept in the embedded store or in Redis
   * (docs/fleet-api.md#records-and-retention); without either (STORE=memory) in memory only.
   */
  serve(
    durable: SqliteStore | Redis | undefined,
    calls?: Pick<CsmsCallHandler, 'handle'>,
  ): { matches(path: string): boolean; handle: FleetApi['handle'] } {
    if (calls)
      this.command = async (identity, action, payload) =>
        (await calls.handle(identity, action, payload, `fleet-api-${randomUUID()}`)).payload as Record<string, unknown>;
    if (durable) {
      const persistence =
        durable instanceof SqliteStore
          ? sqlitePersistence(durable)
          : redisPersistence(durable, this.config.redisPrefix, this.logger);
      this.persistence = persistence;
      this.restored = Promise.all([
        this.records.persistIn(persistence),
        this.shedder.persistIn(persistence),
        this.reservations.persistIn(persistence),
      ]).then(
        () => undefined,
        (err: Error) => {
          this.logger.error({ err: err.message }, 'fleet API: the stored records could not be read; recording anew');
        },
      );
    }
    return { matches: FleetApi.matches, handle: this.handle };
  }

  /** Sends the records written and not yet sent, before the store or Redis connection closes. */
  flush(): void {
    this.persistence?.flush();
  }

  /** Sessions and alarms as JSON and CSV on the admin port, for every configured station. */
  adminRouter(maskIdTags: boolean): Router {
    const all = this.config.fleetApi.groups.map((g) => g.id);
    return recordsRouter(
      this.records,
      async () => new Map((await this.stationsOf(all)).map((s) => [s.identity, s])),
      maskIdTags,
    );
  }

  static matches(path: string): boolean {
    return SERVICE.test(path) || WSDL_FILE.test(path);
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
    const version = (SERVICE.exec(path)?.[1] ?? WSDL_FILE.exec(path)?.[1]) as ApiVersion;
    const wantsWsdl = WSDL_FILE.test(path) || /^wsdl$/i.test(query);
    if (req.method === 'GET' && wantsWsdl) {
      const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
      const url = `${scheme}://${req.headers.host ?? 'localhost'}/webservices/chargepoint/services/${version}`;
      res.writeHead(200, { 'Content-Type': XML_TYPE }).end(wsdlXml(version, url));
      return;
    }
    if (req.method !== 'POST' || !SERVICE.test(path)) {
      req.resume();
      res
        .writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', Allow: 'POST' })
        .end('The ChargePoint API takes SOAP POSTs; its WSDL is GET ?wsdl\n');
      return;
    }
    const address = req.socket.remoteAddress ?? '';
    let xml: string;
    try {
      xml = (await readBody(req, this.config.fleetApi.maxBodyBytes)).toString('utf8');
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      this.logger.warn({ address, err: err.message }, 'fleet API request refused');
      return this.fault(res, err.status, 'soapenv:Client', err.message);
    }
    await this.answer(xml, version, address, res);
  };

  private async answer(xml: string, version: ApiVersion, address: string, res: ServerResponse): Promise<void> {
    let request: ReturnType<typeof readApiRequest>;
    try {
      request = readApiRequest(xml);
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      this.logger.warn({ address, err: err.message }, 'fleet API request is not a SOAP call');
      return this.fault(res, 500, 'soapenv:Client', err.message);
    }
    const auth = this.credentials.check(request.token, address);
    if (!auth.ok) {
      this.logger.warn(
        { address, key: request.token?.username, reason: auth.reason },
        'fleet API authentication failed',
      );
      if (auth.retryAfter) res.setHeader('Retry-After', String(auth.retryAfter));
      // The real service's words: clients test the fault code's local name, some log the text.
      return this.fault(res, 500, auth.code, `UsernameToken processing failed: ${auth.reason}`);
    }
    const method = Object.hasOwn(METHODS, request.operation) ? METHODS[request.operation] : undefined;
    if (!method) {
      this.logger.warn({ address, operation: request.operation }, 'fleet API: unknown operation');
      return this.fault(res, 500, 'soapenv:Client', `unknown operation ${request.operation}`);
    }
    const ctx: MethodContext = {
      version,
      key: auth.key,
      fleet: this.config.fleetApi,
      body: request.body,
      now: this.clock(),
      records: this.records,
      shedder: this.shedder,
      reservations: this.reservations,
      stations: () => this.stationsOf(auth.key.groups),
    };
    let fields: Field[];
    try {
      await this.restored;
      await this.records.refresh();
      fields = await method(ctx);
    } catch (err) {
      if (err instanceof ApiAnswer) fields = err.fields;
      else {
        this.logger.error({ err, operation: request.operation }, 'fleet API method failed');
        fields = answer(143, 'An unknown error has occurred. Please try again later');
      }
    }
    // What a call changed goes to Redis before its answer, not behind: the client may ask another instance next.
    this.persistence?.flush();
    res.writeHead(200, { 'Content-Type': XML_TYPE }).end(envelopeXml(request.operation, fields));
  }

  private fault(res: ServerResponse, status: number, code: string, text: string): void {
    res.writeHead(status, { 'Content-Type': XML_TYPE }).end(faultXml(code, text));
  }

  /** The stations of the given groups, from the registry (what OCPP said) and the configuration (what it cannot say). */
  private async stationsOf(groups: number[]): Promise<Station[]> {
    const identities = new Set(
      this.config.fleetApi.groups.filter((g) => groups.includes(g.id)).flatMap((g) => g.chargers),
    );
    const now = this.clock();
    return Promise.all(
      [...identities].map(async (identity) =>
        stationOf(
          identity,
          this.config,
          await this.registry().states.load(identity),
          await this.registry().contacts.contact(identity),
          now,
        ),
      ),
    );
  }

  /** The gateway's extra observers plus this API's recording of what the CSMS is sent (sessions, meter values, alarms). */
  observing(extra: GatewayObservers): GatewayObservers {
    return {
      ...extra,
      onExchange: (e) => {
        if (e.via !== 'error') this.observe(e.identity, e.action, e.call, e.result);
        extra.onExchange?.(e);
      },
    };
  }

  /** A charger message the gateway bridged (an OCPP 1.6 CALL and its answer): recorded for sessions, alarms and load. */
  observe(identity: string, action: string, call: object | undefined, result: object | undefined): void {
    this.records.observe(
      identity,
      action,
      call as Record<string, unknown> | undefined,
      result as Record<string, unknown> | undefined,
      this.clock(),
    );
  }
}
