import type { Redis } from 'ioredis';
import type { Logger } from '../util/log.js';
import {
  AUDIT_KEPT,
  type AuditEntry,
  type AuditPage,
  type AuditRecord,
  type ChargerSettingsStore,
  type SettingsRecord,
} from './charger-settings.js';

/** How often every instance reads all records again, besides the change notices (a lost notice heals within it). */
const RELOAD_MS = 30_000;
/** Above this many identities a notice says "all", and instances read every record again. */
const NOTICE_IDENTITIES = 100;

/**
 * Charger settings in Redis, shared by every instance (docs/architecture.md#charger-settings-at-run-time), as the
 * migration routes are:
 *   <prefix>:charger-settings          hash, identity -> SettingsRecord as JSON
 *   <prefix>:charger-settings-changed  channel: a JSON list of identities changed, or "*"
 *   <prefix>:audit                     list, AuditRecord as JSON, newest first (AUDIT_KEPT at most)
 *   <prefix>:audit-seq                 integer, the last audit id
 * Every instance keeps all records in memory and reads the changed ones again on a notice.
 */
export class RedisSettingsStore implements ChargerSettingsStore {
  private readonly byIdentity = new Map<string, SettingsRecord>();
  private readonly listeners: ((identities: string[]) => void)[] = [];
  private readonly subscriber: Redis;
  private reloader?: NodeJS.Timeout;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.subscriber = redis.duplicate();
    // An outage is logged by the gateway's own connections; this one reconnects by itself.
    this.subscriber.on('error', () => undefined);
  }

  static async open(redis: Redis, prefix: string, logger: Logger): Promise<RedisSettingsStore> {
    const store = new RedisSettingsStore(redis, prefix, logger);
    store.subscriber.on('message', (_channel: string, message: string) => void store.onNotice(message));
    await store.subscriber.subscribe(store.key('charger-settings-changed'));
    await store.reloadAll();
    store.reloader = setInterval(() => void store.reloadAll(), RELOAD_MS);
    store.reloader.unref();
    return store;
  }

  private key(kind: string): string {
    return `${this.prefix}:${kind}`;
  }

  private async onNotice(message: string): Promise<void> {
    try {
      if (message === '*') return void (await this.reloadAll());
      const identities = JSON.parse(message) as string[];
      if (identities.length === 0) return;
      const values = await this.redis.hmget(this.key('charger-settings'), ...identities);
      identities.forEach((identity, i) => {
        const json = values[i];
        if (json) this.byIdentity.set(identity, JSON.parse(json) as SettingsRecord);
        else this.byIdentity.delete(identity);
      });
      this.tell(identities);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not read changed charger settings from Redis');
    }
  }

  private async reloadAll(): Promise<void> {
    try {
      const all = await this.redis.hgetall(this.key('charger-settings'));
      const changed = new Set<string>();
      for (const [identity, json] of Object.entries(all)) {
        if (this.byIdentity.has(identity) && JSON.stringify(this.byIdentity.get(identity)) === json) continue;
        this.byIdentity.set(identity, JSON.parse(json) as SettingsRecord);
        changed.add(identity);
      }
      for (const identity of [...this.byIdentity.keys()])
        if (!(identity in all)) {
          this.byIdentity.delete(identity);
          changed.add(identity);
        }
      if (changed.size > 0) this.tell([...changed]);
    } catch (err) {
      this.logger.warn(
        { err: (err as Error).message },
        'could not read the charger settings from Redis; the last ones read stay in use',
      );
    }
  }

  private tell(identities: string[]): void {
    for (const listener of this.listeners) listener(identities);
  }

  records(): ReadonlyMap<string, SettingsRecord> {
    return this.byIdentity;
  }

  /** One MULTI: every record of an import lands together or not at all, then one notice. */
  async write(changes: { identity: string; record: SettingsRecord | undefined }[]): Promise<void> {
    if (changes.length === 0) return;
    const multi = this.redis.multi();
    const puts = changes.filter((c) => c.record);
    const removals = changes.filter((c) => !c.record).map((c) => c.identity);
    if (puts.length > 0)
      multi.hset(
        this.key('charger-settings'),
        Object.fromEntries(puts.map((c) => [c.identity, JSON.stringify(c.record)])),
      );
    if (removals.length > 0) multi.hdel(this.key('charger-settings'), ...removals);
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw new Error(`Redis refused the settings write: ${failed?.[0]?.message ?? 'aborted'}`);
    for (const { identity, record } of changes) {
      if (record) this.byIdentity.set(identity, record);
      else this.byIdentity.delete(identity);
    }
    const identities = changes.map((c) => c.identity);
    this.tell(identities);
    const notice = identities.length > NOTICE_IDENTITIES ? '*' : JSON.stringify(identities);
    await this.redis.publish(this.key('charger-settings-changed'), notice);
  }

  onChange(listener: (identities: string[]) => void): void {
    this.listeners.push(listener);
  }

  async appendAudit(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const last = await this.redis.incrby(this.key('audit-seq'), entries.length);
    const first = last - entries.length + 1;
    const json = entries.map((entry, i) => JSON.stringify({ ...entry, id: first + i } satisfies AuditRecord));
    await this.redis
      .multi()
      .lpush(this.key('audit'), ...json)
      .ltrim(this.key('audit'), 0, AUDIT_KEPT - 1)
      .exec();
  }

  async audit(query: { identity?: string; offset: number; limit: number }): Promise<AuditPage> {
    if (query.identity === undefined) {
      const [total, page] = await Promise.all([
        this.redis.llen(this.key('audit')),
        this.redis.lrange(this.key('audit'), query.offset, query.offset + query.limit - 1),
      ]);
      return { total, records: page.map((j) => JSON.parse(j) as AuditRecord) };
    }
    const all = (await this.redis.lrange(this.key('audit'), 0, -1))
      .map((j) => JSON.parse(j) as AuditRecord)
      .filter((r) => r.identity === query.identity);
    return { total: all.length, records: all.slice(query.offset, query.offset + query.limit) };
  }

  async close(): Promise<void> {
    clearInterval(this.reloader);
    this.subscriber.disconnect();
  }
}
