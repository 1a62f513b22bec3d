import { closeSync, existsSync, fsync, fsyncSync, openSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Logger } from '../util/log.js';
import { openStoreFile, StoreError } from './sqlite-file.js';
import { IdTable } from '../util/id-table.js';

export { STORE_FILE, StoreError } from './sqlite-file.js';

/** Key spaces of the store's key-value table (see sqliteRegistry and state/memory/). */
export type StoreSpace =
  | 'state'
  | 'contact'
  | 'secret'
  | 'gateway-key'
  | 'auth'
  | 'latest'
  | 'dead'
  | 'pin'
  | 'route'
  | 'routing'
  | 'copy'
  | 'divergence'
  | 'fleet-session'
  | 'fleet-open'
  | 'fleet-alarm'
  | 'fleet-shed'
  | 'fleet-reservation'
  | 'charger-settings'
  | 'audit'
  | 'pending'
  | 'pending-decision'
  | 'pending-dropped';

/**
 * How a commit's write-ahead log reaches the disk: node's `fsync`, which runs on libuv's thread pool, so the event loop
 * goes on while the disk works (docs/architecture.md#the-embedded-store). A parameter so that a test can hold it.
 */
export type WalSync = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
  /** It waits for queued messages too (an acknowledgement), not only for key-value writes and removals. */
  messages: boolean;
}

/**
 * What a caller of durable() waits for: `all` (the default) every pending write; `state` every key-value write and
 * removal, but not the queued messages no one was told are kept (docs/architecture.md#the-embedded-store).
 */
export type Durability = 'all' | 'state';

export interface StoreStats {
  /** Durable commits (each one fsync of the write-ahead log). */
  commits: number;
  /** Messages written by those commits (a message delivered before its commit is never written). */
  messagesWritten: number;
  /** Commits that failed (full disk, I/O error); their writes stay pending and are tried again. */
  errors: number;
}

/**
 * The embedded durable store (docs/architecture.md#the-embedded-store): one SQLite file in DATA_DIR, in WAL mode;
 * locked exclusively, so a second gateway on the same directory cannot open it. A commit writes the log on the event
 * loop (into the page cache: fractions of a millisecond) and then fsyncs it on the thread pool; whoever waits for
 * durability is answered when that fsync ends, so what was acknowledged survives a power cut, and a slow disk never
 * stalls the other chargers.
 *
 * Writes are kept in memory and committed together (group commit): at once when someone waits for durability (a
 * message about to be acknowledged as stored), else within `writeBehindMs`; while one fsync is under way, everything
 * written meanwhile waits and goes in the next commit. A message written and removed before its
 * commit (delivered while the CSMS answers normally) is never written at all, and of several writes to one key only
 * the last is; a commit for state alone (a transaction's owner, a shadow copy, a setting) leaves the queued messages
 * out. Reads happen once, at start: the gateway keeps what it needs in memory.
 */
/** A key's last write was a delete. */
const REMOVED = Symbol('removed');

export class SqliteStore {
  readonly path: string;
  readonly stats: StoreStats = { commits: 0, messagesWritten: 0, errors: 0 };
  private readonly db: Database.Database;
  /**
   * Jobs as objects: turned into text at their commit, so a message delivered before it is never serialised. Most
   * are removed within their message, so this is an IdTable, not a Map (util/id-table.ts: a Map with that churn kept
   * the removed jobs alive until a full collection); by seq, whose ascending order is the queue's.
   */
  private readonly inserts = new IdTable<{ seq: number; identity: string; job: object }, number>();
  private readonly deletes = new Set<number>();
  /** The last write of each key, its value as an object (serialised at the commit, once) or REMOVED. */
  private readonly kv = new Map<string, { space: StoreSpace; key: string; value: unknown }>();
  private waiters: Waiter[] = [];
  /** The waiters of the commit whose fsync is under way (at most one at a time). */
  private syncing?: Waiter[];
  private walFd?: number;
  private scheduled = false;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly statements: ReturnType<SqliteStore['prepare']>;

  private constructor(
    db: Database.Database,
    path: string,
    private readonly logger: Logger,
    private readonly writeBehindMs: number,
    private readonly sync: WalSync,
  ) {
    this.db = db;
    this.path = path;
    this.statements = this.prepare();
  }

  /** Opens (or creates) the store in `dataDir`; throws StoreError with what to do when it cannot. */
  static open(dataDir: string, logger: Logger, writeBehindMs = 200, sync: WalSync = fsync): SqliteStore {
    const { db, path } = openStoreFile(dataDir, logger);
    return new SqliteStore(db, path, logger, writeBehindMs, sync);
  }

  private prepare() {
    return {
      insert: this.db.prepare('INSERT OR REPLACE INTO messages (seq, identity, job) VALUES (?, ?, ?)'),
      delete: this.db.prepare('DELETE FROM messages WHERE seq = ?'),
      put: this.db.prepare('INSERT OR REPLACE INTO kv (space, key, value) VALUES (?, ?, ?)'),
      remove: this.db.prepare('DELETE FROM kv WHERE space = ? AND key = ?'),
    };
  }

  /** A queued message, by its queue sequence number (written at the next commit). */
  appendMessage(seq: number, identity: string, job: object): void {
    this.inserts.set(seq, { seq, identity, job });
    this.schedule();
  }

  /** The message is delivered (or dead): its row goes, or is never written if its insert is still pending. */
  removeMessage(seq: number): void {
    if (!this.inserts.delete(seq)) {
      this.deletes.add(seq);
      this.schedule();
    }
  }

  put(space: StoreSpace, key: string, value: unknown): void {
    this.kv.set(`${space}\n${key}`, { space, key, value });
    this.schedule();
  }

  delete(space: StoreSpace, key: string): void {
    this.kv.set(`${space}\n${key}`, { space, key, value: REMOVED });
    this.schedule();
  }

  /**
   * Resolves once everything written so far is committed (with `state`: everything but queued messages, see
   * Durability); rejects with the reason when the commit fails.
   */
  durable(scope: Durability = 'all'): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('the store is closed'));
    const messages = scope === 'all';
    if (!this.pending(messages) && !this.syncing) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject, messages });
      if (!this.scheduled) {
        this.scheduled = true;
        // Everyone who asks in this turn of the event loop shares the commit (group commit).
        setImmediate(() => this.commit(false));
      }
    });
  }

  private get dirty(): boolean {
    return this.pending(true);
  }

  /** Whether a commit has something to write; queued messages counted only if `messages`. */
  private pending(messages: boolean): boolean {
    return (messages && this.inserts.size > 0) || this.deletes.size > 0 || this.kv.size > 0;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.commit(true);
    }, this.writeBehindMs);
    this.timer.unref();
  }

  /**
   * One transaction with every pending write, then its fsync; on failure the writes stay pending and the waiters are
   * told. While an fsync is under way nothing is committed: its end commits what gathered meanwhile. Queued messages
   * are written when a waiter needs them or by the write-behind timer (`everything`), not for a waiter of `state`:
   * forcing them out for a routing record would write, and later delete, every message other chargers have in flight.
   */
  private commit(everything: boolean): void {
    this.scheduled = false;
    if (this.syncing) return;
    const waiters = this.waiters;
    this.waiters = [];
    const messages = everything || waiters.some((w) => w.messages);
    if (messages) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.pending(messages)) {
      for (const w of waiters) w.resolve();
      return;
    }
    let log: number;
    try {
      log = this.writeAll(messages);
    } catch (err) {
      this.failed(
        err,
        waiters,
        'store commit failed: the messages that waited for it are answered 503, the writes are tried again',
      );
      this.schedule();
      return;
    }
    this.syncing = waiters;
    this.sync(log, (err) => this.synced(err));
  }

  /** The end of a commit's fsync: its waiters are answered, and what gathered meanwhile is committed. */
  private synced(err: NodeJS.ErrnoException | null): void {
    const waiters = this.syncing ?? [];
    this.syncing = undefined;
    if (this.closed) return; // close() synced and answered them
    if (err)
      this.failed(
        err,
        waiters,
        'store fsync failed: the messages that waited for it are answered 503 and resent by their chargers',
      );
    else for (const w of waiters) w.resolve();
    if (this.waiters.length > 0) this.commit(false);
    else if (this.dirty) this.schedule();
  }

  private failed(err: unknown, waiters: Waiter[], message: string): void {
    this.stats.errors++;
    this.logger.error({ err: (err as Error).message, store: this.path }, message);
    const failure = new StoreError(`gateway store commit failed: ${(err as Error).message}`);
    for (const w of waiters) w.reject(failure);
  }

  /**
   * A write's text. One that cannot be serialised (a bug: writes are plain data) is logged and left out, so that it
   * cannot fail every later commit with it.
   */
  private text(value: unknown, what: string): string | undefined {
    try {
      return JSON.stringify(value);
    } catch (err) {
      this.stats.errors++;
      this.logger.error({ err: (err as Error).message, store: this.path }, `gateway store: ${what} cannot be written`);
      return undefined;
    }
  }

  /** One transaction with every pending write (queued messages if `messages`); returns the log's descriptor. */
  private writeAll(messages = true): number {
    const { insert, delete: del, put, remove } = this.statements;
    const inserts = messages ? this.inserts.values() : [];
    const deletes = [...this.deletes];
    const kv = [...this.kv.values()];
    const jobs = inserts.map((m) => this.text(m.job, `message ${m.seq}`));
    const values = kv.map((e) => (e.value === REMOVED ? REMOVED : this.text(e.value, `${e.space} ${e.key}`)));
    this.db.transaction(() => {
      inserts.forEach((m, i) => {
        if (jobs[i] !== undefined) insert.run(m.seq, m.identity, jobs[i]);
      });
      for (const seq of deletes) del.run(seq);
      kv.forEach((e, i) => {
        const value = values[i];
        if (value === REMOVED) remove.run(e.space, e.key);
        else if (value !== undefined) put.run(e.space, e.key, value);
      });
    })();
    // Only what was written leaves the buffers: writes made meanwhile (none, the transaction is synchronous) stay.
    for (const m of inserts) this.inserts.delete(m.seq);
    for (const seq of deletes) this.deletes.delete(seq);
    for (const e of kv) if (this.kv.get(`${e.space}\n${e.key}`) === e) this.kv.delete(`${e.space}\n${e.key}`);
    this.stats.commits++;
    this.stats.messagesWritten += jobs.filter((text) => text !== undefined).length;
    // The log exists once a transaction has been written; the descriptor stays open until close().
    this.walFd ??= openSync(`${this.path}-wal`, 'r');
    return this.walFd;
  }

  /** Undelivered messages, oldest first (at start). */
  loadMessages(): { seq: number; identity: string; job: unknown }[] {
    return (
      this.db.prepare('SELECT seq, identity, job FROM messages ORDER BY seq').all() as {
        seq: number;
        identity: string;
        job: string;
      }[]
    ).map((r) => ({
      seq: r.seq,
      identity: r.identity,
      job: JSON.parse(r.job) as unknown,
    }));
  }

  /** Every entry of a key space (at start). */
  loadSpace<T>(space: StoreSpace): [string, T][] {
    return (
      this.db.prepare('SELECT key, value FROM kv WHERE space = ?').all(space) as { key: string; value: string }[]
    ).map((r) => [r.key, JSON.parse(r.value) as T]);
  }

  /** The store's size on disk: the database and its write-ahead log. */
  sizeBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const wal = `${this.path}-wal`;
    return pages * pageSize + (existsSync(wal) ? statSync(wal).size : 0);
  }

  /**
   * Gives the pages of delivered messages back to the file system and empties the write-ahead log, so that months of
   * operation do not grow the store: it holds only what is undelivered and the chargers' state.
   */
  compact(): void {
    if (this.closed) return;
    try {
      this.db.pragma('incremental_vacuum');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, store: this.path }, 'store compaction failed; tried again later');
    }
  }

  /** Commits what is pending, on disk before it returns, and closes the file (graceful stop). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    const waiters = [...(this.syncing ?? []), ...this.waiters];
    this.waiters = [];
    try {
      if (this.dirty) this.writeAll();
      if (this.walFd !== undefined) fsyncSync(this.walFd);
      for (const w of waiters) w.resolve();
    } catch (err) {
      this.failed(err, waiters, 'store commit at stop failed: what was not yet committed is resent by the chargers');
    }
    if (this.walFd !== undefined) closeSync(this.walFd);
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // The log is replayed at the next start instead.
    }
    this.db.close();
  }
}
