import type { Redis } from 'ioredis';
import type { MigrationControl } from './admin/migration-api.js';
import type { GatewayObservers } from './admin/observers.js';
import { deliverToLegacy } from './bridge/legacy-sender.js';
import { LegacyRelay } from './bridge/legacy-relay.js';
import type { ChargerMessageProcessor } from './bridge/message-processor.js';
import { RoutedProcessor } from './bridge/routed-processor.js';
import { ShadowForwarder } from './bridge/shadow-forwarder.js';
import type { GatewayConfig } from './config/config.js';
import { arrangementOf, legacyDialectProblem, legacyUrlOf, type RouteName } from './config/migration.js';
import { RpcError } from './ocpp/rpc-error.js';
import type { JobProcessor } from './queue/upstream-queue.js';
import { ChargePointRelayEndpoint, legacyCallerCheck, relayUrlOf } from './soap/charge-point-relay.js';
import { RelayTokens } from './soap/relay-tokens.js';
import { MAX_INFLATE_RATIO, SoapClient } from './soap/soap-client.js';
import { EmbeddedMigrationStore, type MigrationStore } from './state/migration-store.js';
import { RedisMigrationStore } from './state/redis-migration-store.js';
import type { ChargerRegistry } from './state/registry.js';
import type { SqliteStore } from './state/sqlite-store.js';
import { commandsAllowed } from './translate/routing.js';
import type { Logger } from './util/log.js';

/** Relay addresses kept at most (one per charger; a fleet beyond it makes them again, not more memory). */
const MAX_CACHED_RELAY_URLS = 100_000;

export interface MigrationParts {
  /** The SOAP client that calls chargers (the CSMS's commands use the same one). */
  chargers: SoapClient;
  config: GatewayConfig;
  logger: Logger;
  registry: Pick<ChargerRegistry, 'contacts' | 'secrets' | 'deadLetters'>;
  processor: ChargerMessageProcessor;
  observers: GatewayObservers;
  /** Whether this instance consumes the charger's partition (always, without Redis). */
  owns(identity: string): boolean;
  redis?: Redis;
  store?: SqliteStore;
}

/**
 * Migration routing wired together (docs/architecture.md#migration-routing): the store of routes and copies, the
 * legacy client, the routed processor in front of the CSMS bridge, the shadow forwarder and the relay of the legacy
 * system's calls. Built only when a legacy system is configured.
 */
export class MigrationWiring {
  readonly processor: RoutedProcessor;
  readonly forwarder: ShadowForwarder;
  readonly relay: ChargePointRelayEndpoint;
  readonly control: MigrationControl;
  private readonly stopSignal = new AbortController();

  private constructor(
    private readonly parts: MigrationParts,
    readonly store: MigrationStore,
    legacy: SoapClient,
    tokens: RelayTokens,
  ) {
    const { config, logger } = parts;
    // A charger's relay address (an HMAC and a URL built from the public one) is the same for every message it sends:
    // made once per charger, not per message.
    const relayUrls = new Map<string, string>();
    const relayUrlOfCharger = (identity: string) => {
      let url = relayUrls.get(identity);
      if (url === undefined) {
        if (relayUrls.size >= MAX_CACHED_RELAY_URLS) relayUrls.clear();
        url = relayUrlOf(config.publicUrl, identity, tokens.tokenOf(identity));
        relayUrls.set(identity, url);
      }
      return url;
    };
    const legacyDeps = {
      config,
      registry: parts.registry,
      legacy,
      relayUrlOf: relayUrlOfCharger,
      logger,
      stopping: this.stopSignal.signal,
    };
    const toLegacy: JobProcessor = (job, reply) => deliverToLegacy(job, reply, legacyDeps);
    this.forwarder = new ShadowForwarder({
      config,
      store,
      owns: parts.owns,
      csms: (job, reply) => parts.processor.processShadow(job, reply),
      legacy,
      relayUrlOf: relayUrlOfCharger,
      logger,
      observer: parts.observers,
    });
    this.processor = new RoutedProcessor(
      config,
      store,
      { csms: parts.processor.process, legacy: toLegacy, copied: (id) => this.forwarder.kick(id) },
      logger,
    );
    const routeOf = (identity: string) => this.processor.routeOf(identity);
    const sink = new LegacyRelay(config, parts.registry, store, routeOf, parts.chargers, logger);
    const legacyUrls = (identity?: string) =>
      (identity === undefined
        ? [config.legacyCsUrl, ...Object.values(config.chargers).map((c) => c.legacyUrl)]
        : [legacyUrlOf(config, identity)]
      ).filter((u): u is string => u !== undefined);
    this.relay = new ChargePointRelayEndpoint(
      config,
      sink,
      legacyCallerCheck(config.legacyNetworks, legacyUrls),
      tokens,
      logger,
    );
    this.control = {
      store,
      routeOf,
      known: async (identity) =>
        identity in config.chargers || (await parts.registry.contacts.contact(identity)) !== undefined,
      problem: async (identity, route) => {
        if (route === 'csms') return undefined;
        if (!legacyUrlOf(config, identity))
          return `route ${route} needs a legacy URL for ${identity} (LEGACY_CS_URL or chargers.${identity}.legacyUrl)`;
        const dialect =
          config.chargers[identity]?.dialect ?? (await parts.registry.contacts.contact(identity))?.dialect;
        return dialect ? legacyDialectProblem(config, identity, dialect) : undefined;
      },
      identities: async () => [
        ...new Set([...(await parts.registry.contacts.identities()), ...Object.keys(config.chargers)]),
      ],
    };
  }

  static async create(parts: MigrationParts): Promise<MigrationWiring> {
    const store = parts.redis
      ? await RedisMigrationStore.open(parts.redis, parts.config.redisPrefix, parts.logger)
      : new EmbeddedMigrationStore(parts.store);
    const legacy = new SoapClient({
      peer: 'legacy system',
      service: 'centralSystem',
      maxResponseBytes: parts.config.maxBodyBytes,
      maxInflateRatio: MAX_INFLATE_RATIO,
    });
    const tokens = new RelayTokens(await parts.registry.secrets.gatewayKey('relay-token'));
    return new MigrationWiring(parts, store, legacy, tokens);
  }

  routeOf(identity: string): RouteName {
    return this.processor.routeOf(identity);
  }

  /** Whether the CSMS answers the charger's messages now (its route's primary). */
  csmsIsPrimary(identity: string): boolean {
    return arrangementOf(this.routeOf(identity)).primary === 'csms';
  }

  /** Whether the CSMS should see the charger connected: it is primary or shadow, or owns an open transaction. */
  async csmsInvolved(identity: string): Promise<boolean> {
    const arrangement = arrangementOf(this.routeOf(identity));
    if (arrangement.primary === 'csms' || arrangement.shadow === 'csms') return true;
    return Object.values((await this.store.routing(identity)).transactions).some((t) => t.primary === 'csms');
  }

  /** A CSMS command for the charger: refused with SecurityError when the CSMS may not command it now. */
  async checkCsmsCommand(identity: string, action: string, payload: Record<string, unknown>): Promise<void> {
    const transactionId = payload.transactionId;
    const verdict = commandsAllowed(
      'csms',
      identity,
      this.routeOf(identity),
      await this.store.routing(identity),
      this.parts.config.chargers[identity]?.shadowCommands ?? 'refuse',
      {
        operation: action,
        transactionId:
          typeof transactionId === 'number' || typeof transactionId === 'string' ? transactionId : undefined,
      },
    );
    if (verdict.ok) return;
    this.parts.logger.warn({ chargeBoxIdentity: identity }, `CSMS command refused: ${verdict.reason}`);
    throw new RpcError('SecurityError', verdict.reason);
  }

  /** Routes, and chargers whose copies wait, for the metrics. */
  async snapshot(): Promise<{ routes: Record<string, number>; shadowBacklog: number }> {
    const identities = await this.control.identities();
    const routes: Record<string, number> = {};
    for (const identity of identities) {
      const route = this.routeOf(identity);
      routes[route] = (routes[route] ?? 0) + 1;
    }
    return { routes, shadowBacklog: (await this.store.chargersWithCopies()).length };
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    this.forwarder.stop();
    await this.store.close();
  }
}
