import { csmsProtocolOf, type GatewayConfig } from '../config/config.js';
import { csmsProtocolModule } from '../ocpp/csms-protocols.js';
import type { CsmsProtocolModule } from '../ocpp/protocols.js';
import type { Logger } from '../util/log.js';
import type { ChargerRegistry } from '../state/registry.js';
import { UpstreamConnection, type CsmsCallOutcome } from './connection.js';

export type CsmsCallHandler = (identity: string, action: string, payload: Record<string, unknown>, messageId: string) => Promise<CsmsCallOutcome>;

/** One UpstreamConnection per charger, created on the charger's first message and kept open afterwards. */
export class UpstreamPool {
  private readonly connections = new Map<string, UpstreamConnection>();

  constructor(
    private readonly config: GatewayConfig,
    private readonly logger: Logger,
    private readonly registry: ChargerRegistry,
    private readonly onCsmsCall: CsmsCallHandler,
  ) {}

  /** The connection for a charger (by its chargeBoxIdentity), created on first use. */
  get(identity: string): UpstreamConnection {
    let connection = this.connections.get(identity);
    if (!connection) {
      const override = this.config.chargers[identity];
      connection = new UpstreamConnection({
        csmsUrl: this.config.csmsUrl,
        identity: override?.upstreamIdentity ?? identity,
        protocol: this.protocolOf(identity),
        password: override?.basicAuthPassword,
        ca: this.config.csmsCa,
        clientCertificate: this.config.clientCertificates[identity],
        pingIntervalSec: this.config.wsPingIntervalSec,
        reconnectMinMs: this.config.reconnectMinMs,
        reconnectMaxMs: this.config.reconnectMaxMs,
        logger: this.logger.child({ chargeBoxIdentity: identity }),
        onCall: (action, payload, messageId) => this.onCsmsCall(identity, action, payload, messageId),
        // Read at every connection attempt: the CSMS may have set AuthorizationKey or WebSocketPingInterval since.
        settings: async () => ({
          password: (await this.registry.authorizationKey(identity)) ?? override?.basicAuthPassword,
          pingIntervalSec: (await this.registry.load(identity))?.webSocketPingInterval,
        }),
      });
      this.connections.set(identity, connection);
    }
    return connection;
  }

  /** The OCPP-J protocol module of a charger's CSMS connection (configuration refuses protocols without one). */
  protocolOf(identity: string): CsmsProtocolModule {
    const id = csmsProtocolOf(this.config, identity);
    const module = csmsProtocolModule(id);
    if (!module) throw new Error(`no protocol module for ${id}`);
    return module;
  }

  peek(identity: string): UpstreamConnection | undefined {
    return this.connections.get(identity);
  }

  entries(): IterableIterator<[string, UpstreamConnection]> {
    return this.connections.entries();
  }

  /** Closes one charger's connection (its partition moved to another instance). */
  close(identity: string): void {
    this.connections.get(identity)?.close();
    this.connections.delete(identity);
  }

  closeAll(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}
