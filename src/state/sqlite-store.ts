import { accessSync, chmodSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../util/log.js';

/** The store cannot be opened as it is: the message names the path, the reason and what to do. */
export class StoreError extends Error {
  override name = 'StoreError';
}

export const STORE_FILE = 'gateway.db';
const SCHEMA_VERSION = '1';

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

export interface StoreStats {
  /** Durable commits (each one fsync of the write-ahead log). */
  commits: number;
  /** Messages written by those commits (a message delivered before its commit is never written). */
  messagesWritten: number;
  /** Commits that failed (full disk, I/O error); their writes stay pending and are tried again. */
  errors: number;
}

/**
 * The embedded durable store (docs/architecture.md#the-embedded-store): one SQLite file in DATA_DIR, in WAL mode with
 * synchronous=FULL, so a commit is on disk across a power cut; locked exclusively, so a second gateway on the same
 * directory cannot open it.
 *
 * Writes are kept in memory and committed together (group commit): at once when someone waits for durability (a
 * message about to be acknowledged as stored), else within `writeBehindMs`. A message written and removed before its
 * commit (delivered while the CSMS answers normally) is never written at all, and of several writes to one key only
 * the last is. Reads happen once, at start: the gateway keeps what it needs in memory.
 */
export class SqliteStore {
  readonly path: string;
  readonly stats: StoreStats = { commits: 0, messagesWritten: 0, errors: 0 };
  private readonly db: Database.Database;
  private readonly inserts = new Map<number, { identity: string; job: string }>();
  private readonly deletes = new Set<number>();
  private readonly kv = new Map<string, { space: StoreSpace; key: string; value: string | null }>();
  private waiters: { resolve(): void; reject(err: Error): void }[] = [];
  private scheduled = false;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly statements: ReturnType<SqliteStore['prepare']>;

  private constructor(
    db: Database.Database,
    path: string,
    private readonly logger: Logger,
    private readonly writeBehindMs: number,
  ) {
    this.db = db;
    this.path = path;
    this.statements = this.prepare();
  }

  /** Opens (or creates) the store in `dataDir`; throws StoreError with what to do when it cannot. */
  static open(dataDir: string, logger: Logger, writeBehindMs = 200): SqliteStore {
    const dir = resolve(dataDir);
    usableDirectory(dir);
    const loose = statSync(dir).mode & 0o077;
    if (loose)
      logger.warn(
        { dataDir: dir, mode: (statSync(dir).mode & 0o777).toString(8) },
        `DATA_DIR ${dir} is readable by other users: the store holds charger credentials and messages; chmod 700 it`,
      );
    const path = join(dir, STORE_FILE);
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 0 });
    } catch (err) {
      throw new StoreError(`DATA_DIR ${dir}: cannot open ${path}: ${(err as Error).message}`);
    }
    try {
      configure(db, path);
      checkIntegrity(db, path);
      createSchema(db, path);
      ownerOnly(path);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteStore(db, path, logger, writeBehindMs);
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
    this.inserts.set(seq, { identity, job: JSON.stringify(job) });
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
    this.kv.set(`${space}\n${key}`, { space, key, value: JSON.stringify(value) });
    this.schedule();
  }

  delete(space: StoreSpace, key: string): void {
    this.kv.set(`${space}\n${key}`, { space, key, value: null });
    this.schedule();
  }

  /** Resolves once everything written so far is committed; rejects with the reason when the commit fails. */
  durable(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('the store is closed'));
    if (!this.dirty) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Everyone who asks in this turn of the event loop shares the commit (group commit).
        setImmediate(() => this.commit());
      }
    });
  }

  private get dirty(): boolean {
    return this.inserts.size > 0 || this.deletes.size > 0 || this.kv.size > 0;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.commit(), this.writeBehindMs);
    this.timer.unref();
  }

  /** One transaction with every pending write; on failure the writes stay pending and the waiters are told. */
  private commit(): void {
    this.scheduled = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = this.waiters;
    this.waiters = [];
    if (!this.dirty) {
      for (const w of waiters) w.resolve();
      return;
    }
    try {
      this.writeAll();
    } catch (err) {
      this.stats.errors++;
      this.logger.error(
        { err: (err as Error).message, store: this.path },
        'store commit failed: the messages that waited for it are answered 503, the writes are tried again',
      );
      const failure = new StoreError(`gateway store commit failed: ${(err as Error).message}`);
      for (const w of waiters) w.reject(failure);
      this.schedule();
      return;
    }
    for (const w of waiters) w.resolve();
  }

  private writeAll(): void {
    const { insert, delete: del, put, remove } = this.statements;
    const inserts = [...this.inserts];
    const deletes = [...this.deletes];
    const kv = [...this.kv.values()];
    this.db.transaction(() => {
      for (const [seq, m] of inserts) insert.run(seq, m.identity, m.job);
      for (const seq of deletes) del.run(seq);
      for (const e of kv) {
        if (e.value === null) remove.run(e.space, e.key);
        else put.run(e.space, e.key, e.value);
      }
    })();
    // Only what was written leaves the buffers: writes made meanwhile (none, the transaction is synchronous) stay.
    for (const [seq] of inserts) this.inserts.delete(seq);
    for (const seq of deletes) this.deletes.delete(seq);
    for (const e of kv) if (this.kv.get(`${e.space}\n${e.key}`) === e) this.kv.delete(`${e.space}\n${e.key}`);
    this.stats.commits++;
    this.stats.messagesWritten += inserts.length;
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

  /** Commits what is pending and closes the file (graceful stop). */
  close(): void {
    if (this.closed) return;
    this.commit();
    this.closed = true;
    clearTimeout(this.timer);
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // The log is replayed at the next start instead.
    }
    this.db.close();
  }
}

/** The store's files are the owner's only (0600): they hold messages, idTags and the CSMS's AuthorizationKeys. */
function ownerOnly(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

/**
 * DATA_DIR exists (created if missing, the owner's only: 0700) and is writable; otherwise the start stops naming the
 * path and the reason.
 */
function usableDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StoreError(
      `DATA_DIR ${dir} cannot be created: ${(err as Error).message}: create it writable by this process (user id ${process.getuid?.() ?? '?'}) or set DATA_DIR to another directory`,
    );
  }
  if (!statSync(dir).isDirectory())
    throw new StoreError(`DATA_DIR ${dir} is not a directory: set DATA_DIR to a directory`);
  try {
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch {
    throw new StoreError(
      `DATA_DIR ${dir} is not writable by this process (user id ${process.getuid?.() ?? '?'}): fix its permissions or set DATA_DIR to another directory`,
    );
  }
}

/**
 * WAL with synchronous=FULL: each commit is fsynced, so what was committed survives a power cut. EXCLUSIVE locking: the
 * first write takes the file lock for the life of the process, so a second gateway on the same directory is refused.
 */
function configure(db: Database.Database, path: string): void {
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal')
      throw new Error('the file system does not support write-ahead logging');
    db.pragma('synchronous = FULL');
    db.exec('BEGIN IMMEDIATE; COMMIT');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new StoreError(
        `DATA_DIR ${path} is in use by another gateway process (the store is locked): stop that process, or give this one its own DATA_DIR`,
      );
    }
    throw corrupt(path, err);
  }
}

function checkIntegrity(db: Database.Database, path: string): void {
  let result: unknown;
  try {
    result = db.pragma('quick_check', { simple: true });
  } catch (err) {
    throw corrupt(path, err);
  }
  if (result !== 'ok') throw corrupt(path, new Error(String(result)));
}

function corrupt(path: string, err: unknown): StoreError {
  return new StoreError(
    `the store ${path} is damaged (${(err as Error).message}) and was not opened. To recover: stop the gateway, move ${path} (and any ${path}-wal) ` +
      'aside for analysis, and start again with an empty store; messages acknowledged but undelivered in the damaged file are not delivered, ' +
      'so restore a backup of DATA_DIR if you have one',
  );
}

/** Tables of schema version 1; auto_vacuum must be chosen before the first table exists. */
function createSchema(db: Database.Database, path: string): void {
  const version = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() as
    | { name: string }
    | undefined)
    ? (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)?.value
    : undefined;
  if (version !== undefined && version !== SCHEMA_VERSION) {
    throw new StoreError(
      `the store ${path} has schema version ${version}, this gateway reads version ${SCHEMA_VERSION}: run the gateway version that wrote it`,
    );
  }
  if (version === undefined) {
    db.pragma('auto_vacuum = INCREMENTAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, identity TEXT NOT NULL, job TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS kv (space TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (space, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '${SCHEMA_VERSION}');
    `);
    // auto_vacuum takes effect on an empty database only once it is rebuilt.
    db.exec('VACUUM');
  }
}
