import { isDeepStrictEqual } from 'node:util';
import {
  identityProblem,
  maskSecrets,
  type RawSettings,
  SECRET_SETTINGS,
  type SettingsProblem,
  validateSettings,
} from '../config/charger-settings.js';
import { chargerOverride, type ChargerOverride, type GatewayConfig } from '../config/config.js';
import type { Logger } from '../util/log.js';
import { hashPasswordAsync, isPasswordHash } from '../util/password-hash.js';
import type { SecretBox } from '../util/secret-box.js';
import type {
  AuditAction,
  AuditEntry,
  ChargerSettingsStore,
  RecordOrigin,
  SettingsRecord,
} from './charger-settings.js';

/** A change refused: 400 bad values, 404 unknown charger, 409 a conflict (a key the file sets, no secret key). */
export class SettingsError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly problems: SettingsProblem[],
  ) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  }
}

/** Where a charger's effective settings come from: the file, or the record's writer. */
export type SettingsOrigin = 'yaml' | RecordOrigin;

/** One charger's settings as the API shows them: secrets only as "(set)". */
export interface SettingsView {
  identity: string;
  origin: SettingsOrigin;
  /** Keys the file sets for this charger: they win over the record's. */
  fileKeys: string[];
  settings: RawSettings;
  retiredAt?: string;
  updatedAt?: string;
  updatedBy?: string;
}

/** A change ready to be written: the new record, and what changes in the charger's settings. */
export interface PreparedChange {
  identity: string;
  kind: 'create' | 'update' | 'unchanged';
  changedKeys: string[];
  record: SettingsRecord;
  before: RawSettings | null;
  after: RawSettings;
}

/** How a change is applied: PUT replaces the record's settings (secrets left out are kept), PATCH merges. */
export interface ChangeOptions {
  mode: 'replace' | 'merge';
  actor: string;
  origin: RecordOrigin;
}

export type EffectiveListener = (identity: string, before?: ChargerOverride, after?: ChargerOverride) => void;

/**
 * The fleet's per-charger settings (docs/architecture.md#charger-settings-at-run-time): the file's entries (the seed)
 * over the records set at run time, kept as the configuration's `chargers` map, which every part of the gateway reads
 * per message; so a change is in effect from the charger's next message, on every instance that sees it. Changes are
 * validated as the file is, secrets hashed (SOAP passwords) or sealed (CSMS passwords), and each is audited.
 */
export class FleetSettings {
  private file: Record<string, RawSettings>;
  private readonly listeners: EffectiveListener[] = [];

  constructor(
    private readonly config: GatewayConfig,
    readonly store: ChargerSettingsStore,
    private readonly box: SecretBox,
    private readonly logger: Logger,
  ) {
    this.file = config.chargerSeed;
    store.onChange((identities) => {
      for (const identity of identities) this.refresh(identity);
    });
    for (const identity of store.records().keys()) this.refresh(identity);
  }

  /** Called when a charger's effective settings change (here or on another instance). */
  onEffectiveChange(listener: EffectiveListener): void {
    this.listeners.push(listener);
  }

  /** The file's entries changed (SIGHUP): the new seed, in effect at once. */
  replaceFile(file: Record<string, RawSettings>): void {
    const identities = new Set([...Object.keys(this.file), ...Object.keys(file)]);
    this.file = file;
    for (const identity of identities) this.refresh(identity);
  }

  fileEntries(): Readonly<Record<string, RawSettings>> {
    return this.file;
  }

  /** Recomputes one charger's effective settings into the configuration's map. */
  private refresh(identity: string): void {
    const before = this.config.chargers[identity];
    const after = this.effectiveOf(identity);
    if (after) this.config.chargers[identity] = after;
    else delete this.config.chargers[identity];
    if (!isDeepStrictEqual(before, after)) for (const listener of this.listeners) listener(identity, before, after);
  }

  private effectiveOf(identity: string): ChargerOverride | undefined {
    const record = this.store.records().get(identity);
    const file = this.file[identity];
    if (!record && !file) return undefined;
    const raw: RawSettings = { ...this.opened(identity, record?.settings ?? {}), ...(file ?? {}) };
    if (record?.retiredAt) raw.allow = false;
    const parsed = chargerOverride.safeParse(raw);
    if (parsed.success) return parsed.data;
    // A record the schema no longer takes (written by another version): the charger is refused rather than guessed.
    this.logger.warn(
      { chargeBoxIdentity: identity, problems: parsed.issues.map((i) => `${i.path.join('.')}: ${i.message}`) },
      `the stored settings of ${identity} are not valid; it is refused until they are set again`,
    );
    return { ...chargerOverride.parse({}), allow: false };
  }

  /** The record's settings with the CSMS password opened (the gateway presents it); the SOAP hash stays a hash. */
  private opened(identity: string, settings: RawSettings): RawSettings {
    const sealed = settings.basicAuthPassword;
    if (typeof sealed !== 'string') return settings;
    try {
      return { ...settings, basicAuthPassword: this.box.open(sealed) };
    } catch (err) {
      this.logger.error(
        { chargeBoxIdentity: identity, err: (err as Error).message },
        `cannot open the stored CSMS password of ${identity}; its connection goes without it`,
      );
      const { basicAuthPassword: _, ...rest } = settings;
      return rest;
    }
  }

  view(identity: string): SettingsView | undefined {
    const record = this.store.records().get(identity);
    const file = this.file[identity];
    if (!record && !file) return undefined;
    return {
      identity,
      origin: record?.origin ?? 'yaml',
      fileKeys: Object.keys(file ?? {}),
      settings: maskSecrets({ ...(record?.settings ?? {}), ...(file ?? {}) }),
      retiredAt: record?.retiredAt,
      updatedAt: record?.updatedAt,
      updatedBy: record?.updatedBy,
    };
  }

  /** Every charger with settings (file or record), sorted by identity. */
  identities(): string[] {
    return [...new Set([...Object.keys(this.file), ...this.store.records().keys()])].sort();
  }

  /** Validates one change against the record and the file; throws SettingsError. Secrets are not hashed yet. */
  prepare(identity: string, input: RawSettings, options: ChangeOptions, now = new Date()): PreparedChange {
    const bad = identityProblem(identity, this.config.maxIdentityLength);
    if (bad) throw new SettingsError(400, [bad]);
    const current = this.store.records().get(identity);
    const kept = current?.settings ?? {};
    const base: RawSettings =
      options.mode === 'merge'
        ? { ...kept }
        : Object.fromEntries(SECRET_SETTINGS.filter((k) => kept[k] !== undefined).map((k) => [k, kept[k]]));
    for (const [key, value] of Object.entries(input)) {
      if (value === null) delete base[key];
      else base[key] = value;
    }
    const file = this.file[identity] ?? {};
    const checked = validateSettings(identity, { ...base, ...file }, this.config);
    if (checked.problems) throw new SettingsError(400, checked.problems);
    const conflicts = Object.entries(input)
      .filter(([key, value]) => key in file && value !== null && !isDeepStrictEqual(value, file[key]))
      .map(([key]) => ({
        field: key,
        message: `${key} is set for ${identity} in the configuration file, which wins: change it there`,
      }));
    if (typeof input.basicAuthPassword === 'string' && !this.box.seals)
      conflicts.push({
        field: 'basicAuthPassword',
        message:
          'STORE_SECRET_KEY is not set: the gateway does not store CSMS passwords in clear; set it (32+ characters) or put the password in the configuration file',
      });
    if (conflicts.length > 0) throw new SettingsError(409, conflicts);
    // Values equal to the file's add nothing: the file holds them.
    for (const key of Object.keys(file)) if (isDeepStrictEqual(base[key], file[key])) delete base[key];
    const changedKeys = [...new Set([...Object.keys(kept), ...Object.keys(base)])].filter(
      (k) => !isDeepStrictEqual(kept[k], base[k]),
    );
    const revived = current?.retiredAt !== undefined;
    const kind = !current || revived ? 'create' : changedKeys.length > 0 ? 'update' : 'unchanged';
    const record: SettingsRecord = {
      identity,
      settings: base,
      origin: kind === 'unchanged' && current ? current.origin : options.origin,
      updatedAt: now.toISOString(),
      updatedBy: options.actor,
    };
    return {
      identity,
      kind,
      changedKeys,
      record,
      before: current && !revived ? maskSecrets(kept) : null,
      after: maskSecrets(base),
    };
  }

  /** Hashes new SOAP passwords and seals new CSMS passwords of prepared changes (async: scrypt off the event loop). */
  async seal(changes: PreparedChange[]): Promise<void> {
    await Promise.all(
      changes.map(async (change) => {
        const settings = change.record.settings;
        const soap = settings.soapPassword;
        if (typeof soap === 'string' && !isPasswordHash(soap)) settings.soapPassword = await hashPasswordAsync(soap);
        const csms = settings.basicAuthPassword;
        const kept = this.store.records().get(change.identity)?.settings.basicAuthPassword;
        if (typeof csms === 'string' && csms !== kept) settings.basicAuthPassword = this.box.seal(csms);
      }),
    );
  }

  /** Writes prepared changes together and audits each; unchanged ones are neither written nor audited. */
  async commit(changes: PreparedChange[], action: (change: PreparedChange) => AuditAction, actor: string) {
    const real = changes.filter((c) => c.kind !== 'unchanged');
    await this.seal(real);
    await this.store.write(real.map((c) => ({ identity: c.identity, record: c.record })));
    const at = new Date().toISOString();
    await this.audit(
      real.map((c) => ({ at, actor, action: action(c), identity: c.identity, before: c.before, after: c.after })),
    );
    return real;
  }

  /** PUT or PATCH of one charger: validated, stored, audited, in effect. */
  async change(identity: string, input: RawSettings, options: ChangeOptions): Promise<SettingsView> {
    const prepared = this.prepare(identity, input, options);
    await this.commit([prepared], (c) => (c.kind === 'create' ? 'create' : 'update'), options.actor);
    return this.view(identity)!;
  }

  /**
   * Approves a pending charger (ADMISSION=approve), optionally with settings: a record of origin `approved`, audited
   * as an approval. Throws SettingsError as a PUT does.
   */
  async approve(identity: string, input: RawSettings, actor: string): Promise<SettingsView> {
    const prepared = this.prepare(identity, input, { mode: 'merge', actor, origin: 'approved' });
    if (prepared.kind === 'unchanged') prepared.kind = 'update';
    prepared.record.origin = 'approved';
    await this.commit([prepared], () => 'approve', actor);
    return this.view(identity)!;
  }

  /** Retires a charger: its messages are refused from now on (its stored ones are still delivered). */
  async retire(identity: string, actor: string, reason?: string): Promise<SettingsView> {
    const bad = identityProblem(identity, this.config.maxIdentityLength);
    if (bad) throw new SettingsError(400, [bad]);
    const current = this.store.records().get(identity);
    if (!current && !this.file[identity])
      throw new SettingsError(404, [{ field: 'identity', message: `no settings for ${identity}` }]);
    if (current?.retiredAt) return this.view(identity)!;
    const at = new Date().toISOString();
    const record: SettingsRecord = {
      identity,
      settings: current?.settings ?? {},
      origin: current?.origin ?? 'api',
      updatedAt: at,
      updatedBy: actor,
      retiredAt: at,
    };
    await this.store.write([{ identity, record }]);
    await this.audit([
      { at, actor, action: 'retire', identity, before: maskSecrets(record.settings), after: null, detail: reason },
    ]);
    return this.view(identity)!;
  }

  /** Appends audit records; an audit that cannot be written is logged, the change it records stays. */
  async audit(entries: AuditEntry[]): Promise<void> {
    if (entries.length > 10)
      this.logger.info(
        { audit: entries[0]!.action, actor: entries[0]!.actor, chargers: entries.length },
        `charger settings: ${entries[0]!.action} of ${entries.length} chargers by ${entries[0]!.actor}`,
      );
    else
      for (const e of entries)
        this.logger.info(
          { audit: e.action, chargeBoxIdentity: e.identity, actor: e.actor, before: e.before, after: e.after },
          `charger settings: ${e.action}${e.identity ? ` ${e.identity}` : ''} by ${e.actor}`,
        );
    await this.store.appendAudit(entries);
  }

  /** The stored record with secrets in stored form (the export with secrets opens the CSMS password). */
  record(identity: string): SettingsRecord | undefined {
    return this.store.records().get(identity);
  }

  /** A stored CSMS password opened, for the export with secrets. */
  openSecret(stored: string): string {
    return this.box.open(stored);
  }
}
