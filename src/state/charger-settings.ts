import type { RawSettings } from '../config/charger-settings.js';
import type { SqliteStore } from './sqlite-store.js';

/**
 * Charger settings set at run time (docs/architecture.md#charger-settings-at-run-time): one record per charger, written
 * by the admin API, an import or an approval, and the audit trail of every change. Embedded (memory, written to the
 * durable store when there is one) or Redis; every instance keeps all records in memory, because admission reads
 * them for every message.
 */

/** Who wrote a record: the API, an import, an approval of a pending charger. File entries are not stored. */
export type RecordOrigin = 'api' | 'import' | 'approved';

export interface SettingsRecord {
  identity: string;
  /** The settings as given, secrets as stored: soapPassword an scrypt hash, basicAuthPassword sealed. */
  settings: RawSettings;
  origin: RecordOrigin;
  /** ISO time and actor of the last change. */
  updatedAt: string;
  updatedBy: string;
  /** Set when the charger was retired: its messages are refused from then on. */
  retiredAt?: string;
}

export type AuditAction =
  | 'create'
  | 'update'
  | 'retire'
  | 'import'
  | 'file-reload'
  | 'approve'
  | 'reject'
  | 'export-secrets';

/** One change, as kept in the audit trail: secrets masked in before and after. */
export interface AuditRecord {
  /** Increasing; assigned by the store. */
  id: number;
  at: string;
  /** The admin session or address, or `SIGHUP`. */
  actor: string;
  action: AuditAction;
  identity?: string;
  before?: RawSettings | null;
  after?: RawSettings | null;
  detail?: string;
}

export type AuditEntry = Omit<AuditRecord, 'id'>;

/** Audit records kept; the oldest go first. */
export const AUDIT_KEPT = 100_000;

export interface AuditPage {
  total: number;
  records: AuditRecord[];
}

export interface ChargerSettingsStore {
  /** Every record, read from memory. */
  records(): ReadonlyMap<string, SettingsRecord>;
  /**
   * Writes records (undefined: removes it) as one change, durable when it resolves; every instance sees it at once
   * (embedded) or within a second (Redis).
   */
  write(changes: { identity: string; record: SettingsRecord | undefined }[]): Promise<void>;
  /** Called with the identities whose records changed, here or on another instance. */
  onChange(listener: (identities: string[]) => void): void;
  appendAudit(entries: AuditEntry[]): Promise<void>;
  /** Newest first; of one charger or of all. */
  audit(query: { identity?: string; offset: number; limit: number }): Promise<AuditPage>;
  close(): Promise<void>;
}

/** The embedded store: memory, written to the durable store (if any) and read back at start. */
export class EmbeddedSettingsStore implements ChargerSettingsStore {
  private readonly byIdentity = new Map<string, SettingsRecord>();
  /** Oldest first. */
  private auditTrail: AuditRecord[] = [];
  private readonly listeners: ((identities: string[]) => void)[] = [];

  constructor(private readonly store?: SqliteStore) {
    if (!store) return;
    for (const [identity, record] of store.loadSpace<SettingsRecord>('charger-settings'))
      this.byIdentity.set(identity, record);
    this.auditTrail = store
      .loadSpace<AuditRecord>('audit')
      .map(([, r]) => r)
      .sort((a, b) => a.id - b.id);
  }

  records(): ReadonlyMap<string, SettingsRecord> {
    return this.byIdentity;
  }

  async write(changes: { identity: string; record: SettingsRecord | undefined }[]): Promise<void> {
    for (const { identity, record } of changes) {
      if (record) {
        this.byIdentity.set(identity, record);
        this.store?.put('charger-settings', identity, record);
      } else {
        this.byIdentity.delete(identity);
        this.store?.delete('charger-settings', identity);
      }
    }
    try {
      await this.store?.durable('state');
    } finally {
      // What is in memory is in effect, also when the commit failed (the API answers the error; the write is retried).
      const identities = changes.map((c) => c.identity);
      for (const listener of this.listeners) listener(identities);
    }
  }

  onChange(listener: (identities: string[]) => void): void {
    this.listeners.push(listener);
  }

  async appendAudit(entries: AuditEntry[]): Promise<void> {
    let id = this.auditTrail.at(-1)?.id ?? 0;
    for (const entry of entries) {
      const record = { ...entry, id: ++id };
      this.auditTrail.push(record);
      this.store?.put('audit', auditKey(record.id), record);
    }
    const excess = this.auditTrail.length - AUDIT_KEPT;
    if (excess > 0) for (const old of this.auditTrail.splice(0, excess)) this.store?.delete('audit', auditKey(old.id));
    await this.store?.durable('state');
  }

  async audit(query: { identity?: string; offset: number; limit: number }): Promise<AuditPage> {
    const matching =
      query.identity === undefined ? this.auditTrail : this.auditTrail.filter((r) => r.identity === query.identity);
    const end = matching.length - query.offset;
    const records = matching.slice(Math.max(0, end - query.limit), Math.max(0, end)).reverse();
    return { total: matching.length, records };
  }

  async close(): Promise<void> {}
}

/** Sorts as the ids do. */
const auditKey = (id: number) => String(id).padStart(12, '0');
