import type { Router } from 'express';
import type { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import { pendingApi, pendingApiOff } from './admin/pending-api.js';
import { chargerOverride, type GatewayConfig } from './config/config.js';
import { migrationProblem } from './config/migration.js';
import type { PendingChargers } from './soap/pending-knock.js';
import type { ChargerApprovals } from './state/charger-approvals.js';
import type { FleetSettings } from './state/fleet-settings.js';
import { SettingsApprovals } from './state/settings-approvals.js';
import { EmbeddedPendingStore, PendingRecorder, type PendingStore } from './state/pending-chargers.js';
import { RedisPendingStore } from './state/redis-pending-store.js';
import type { SqliteStore } from './state/sqlite-store.js';
import type { Logger } from './util/log.js';

/** Where the gateway keeps its state: Redis, else the embedded store (or memory). */
export interface PendingStorage {
  redis?: Redis;
  store?: SqliteStore;
}

/** The problem of settings given with an approval, naming the field, as the configuration would name it. */
function settingsProblem(config: GatewayConfig, identity: string, settings: Record<string, unknown>) {
  const parsed = chargerOverride.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.issues[0]!;
    return `settings.${issue.path.join('.') || '(top level)'}: ${issue.message}`;
  }
  const problem = migrationProblem({ ...config, chargers: { [identity]: parsed.data } });
  return problem?.replace(`chargers.${identity}.`, 'settings.');
}

/**
 * Pending chargers wired together (docs/operations.md#onboarding-chargers): the store of the storage mode, the
 * recorder of refused unlisted identities, the approvals Admission consults, the admin API and two metrics. Built
 * (create resolves with it) only with ADMISSION=approve.
 */
export class PendingWiring {
  readonly door: PendingChargers;
  readonly router: Router;

  private constructor(
    private readonly store: PendingStore,
    private readonly recorder: PendingRecorder,
    approvals: ChargerApprovals & { approved(identity: string): boolean },
    config: GatewayConfig,
    logger: Logger,
    metrics: Registry,
  ) {
    this.door = { approved: (identity) => approvals.approved(identity), knocked: (k) => recorder.knock(k) };
    this.router = pendingApi(
      {
        store,
        approvals,
        max: config.pendingMax,
        maxApproved: config.maxChargers,
        maxIdentityLength: config.maxIdentityLength,
        settingsProblem: (identity, settings) => settingsProblem(config, identity, settings),
      },
      logger,
    );
    new Gauge({
      name: 'ocppgw_pending_chargers',
      help: 'Identities refused for want of a listing and waiting for an operator (ADMISSION=approve), at most PENDING_MAX',
      registers: [metrics],
      async collect() {
        this.set(await store.size());
      },
    });
  }

  static async create(
    config: GatewayConfig,
    logger: Logger,
    metrics: { registry: Registry },
    storage: PendingStorage,
    fleetSettings: FleetSettings,
  ): Promise<PendingWiring | undefined> {
    if (config.admission !== 'approve') return undefined;
    const store = storage.redis
      ? await RedisPendingStore.open(storage.redis, config.redisPrefix, config.pendingMax, logger)
      : new EmbeddedPendingStore(config.pendingMax, storage.store);
    const dropped = new Counter({
      name: 'ocppgw_pending_chargers_dropped_total',
      help: 'Pending identities this instance forgot because PENDING_MAX were pending (the least recently heard go first)',
      registers: [metrics.registry],
    });
    const recorder = new PendingRecorder(store, config.pendingMax, logger, (n) => dropped.inc(n));
    // An approval is a charger settings record (origin `approved`), served and audited as any record.
    const approvals = new SettingsApprovals(store, fleetSettings);
    return new PendingWiring(store, recorder, approvals, config, logger, metrics.registry);
  }

  /** The admin API of pending chargers: this one, or a clear refusal when admission is another mode. */
  static router(wiring: PendingWiring | undefined, config: GatewayConfig): Router {
    return wiring?.router ?? pendingApiOff(config.admission);
  }

  async stop(): Promise<void> {
    await this.recorder.stop();
    await this.store.close();
  }
}
