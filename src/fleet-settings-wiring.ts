import { isDeepStrictEqual } from 'node:util';
import type { SettingsApiDependencies } from './admin/settings-api.js';
import { maskSecrets } from './config/charger-settings.js';
import { type ChargerOverride, type GatewayConfig, loadConfig } from './config/config.js';
import { type ChargerSettingsStore, EmbeddedSettingsStore } from './state/charger-settings.js';
import { FleetSettings } from './state/fleet-settings.js';
import { RedisSettingsStore } from './state/redis-charger-settings.js';
import type { Storage } from './storage-types.js';
import type { UpstreamPool } from './upstream/pool.js';
import type { Logger } from './util/log.js';
import { SecretBox } from './util/secret-box.js';

/** Settings the CSMS connection is opened with: a change reopens it, so the next message uses the new ones. */
const CONNECTION_KEYS = [
  'upstreamIdentity',
  'basicAuthPassword',
  'csmsProtocol',
  'clientCertFile',
  'clientKeyFile',
] as const;

/**
 * Charger settings at run time wired to the gateway (docs/architecture.md#charger-settings-at-run-time): the store of
 * the storage in use, the effective settings, what a change does to a charger's CSMS connection, the admin API's
 * part, and the reload of the configuration file on SIGHUP.
 */
export class FleetSettingsWiring {
  private constructor(
    readonly settings: FleetSettings,
    private readonly config: GatewayConfig,
    private readonly logger: Logger,
    private readonly upstream: UpstreamPool,
  ) {
    settings.onEffectiveChange((identity, before, after) => this.onChange(identity, before, after));
  }

  static async create(
    config: GatewayConfig,
    logger: Logger,
    storage: Pick<Storage, 'redis' | 'store'>,
    upstream: UpstreamPool,
  ): Promise<FleetSettingsWiring> {
    const store: ChargerSettingsStore = storage.redis
      ? await RedisSettingsStore.open(storage.redis, config.redisPrefix, logger)
      : new EmbeddedSettingsStore(storage.store);
    const settings = new FleetSettings(config, store, SecretBox.of(config.storeSecretKey), logger);
    return new FleetSettingsWiring(settings, config, logger, upstream);
  }

  /** A retired or refused charger's CSMS connection closes; one whose connection settings changed reopens. */
  private onChange(identity: string, before?: ChargerOverride, after?: ChargerOverride): void {
    const refused = before?.allow !== false && after?.allow === false;
    const reconnect = CONNECTION_KEYS.some((k) => before?.[k] !== after?.[k]);
    if (!refused && !reconnect) return;
    if (!this.upstream.peek(identity)) return;
    this.upstream.close(identity);
    this.logger.info(
      { chargeBoxIdentity: identity },
      refused
        ? `closed the CSMS connection of ${identity}: it is no longer served (its stored messages are still delivered)`
        : `closed the CSMS connection of ${identity}: its connection settings changed; the next message reopens it`,
    );
  }

  adminDependencies(): SettingsApiDependencies {
    return { settings: this.settings, logger: this.logger, retired: (identity) => this.upstream.close(identity) };
  }

  /**
   * SIGHUP: reads the configuration again; when it is valid, its chargers become the new seed at once (the diff is
   * logged and audited), else nothing changes and one line says why. Other settings need a restart.
   */
  async reloadFile(load: () => GatewayConfig = () => loadConfig(process.env)): Promise<boolean> {
    let fresh: GatewayConfig;
    try {
      fresh = load();
    } catch (err) {
      this.logger.error(
        `configuration reload refused, nothing changed: ${(err as Error).message.replace(/\n\s*/g, '; ')}`,
      );
      return false;
    }
    const before = this.settings.fileEntries();
    const after = fresh.chargerSeed;
    const identities = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const changed = identities.filter((id) => !isDeepStrictEqual(before[id], after[id]));
    for (const identity of changed) {
      const certificate = fresh.clientCertificates[identity];
      if (certificate) this.config.clientCertificates[identity] = certificate;
      else delete this.config.clientCertificates[identity];
    }
    this.settings.replaceFile(after);
    const at = new Date().toISOString();
    await this.settings
      .audit(
        changed.map((identity) => ({
          at,
          actor: 'SIGHUP',
          action: 'file-reload' as const,
          identity,
          before: before[identity] ? maskSecrets(before[identity]) : null,
          after: after[identity] ? maskSecrets(after[identity]) : null,
        })),
      )
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'could not write the audit of the reload'));
    const added = changed.filter((id) => !before[id]);
    const removed = changed.filter((id) => !after[id]);
    const modified = changed.filter((id) => before[id] && after[id]);
    this.logger.info(
      { added, removed, changed: modified },
      `configuration reloaded: ${added.length} chargers added, ${removed.length} removed, ${modified.length} changed in the file`,
    );
    return true;
  }

  close(): Promise<void> {
    return this.settings.store.close();
  }
}
