import { accessSync, chmodSync, constants, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../util/log.js';

/** The store cannot be opened as it is: the message names the path, the reason and what to do. */
export class StoreError extends Error {
  override name = 'StoreError';
}

export const STORE_FILE = 'gateway.db';
const SCHEMA_VERSION = '1';

/**
 * Opens (or creates) the store's file in `dataDir`, checked and with its schema (docs/architecture.md#the-embedded-store);
 * throws StoreError with what to do when it cannot.
 */
export function openStoreFile(dataDir: string, logger: Logger): { db: Database.Database; path: string } {
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
  return { db, path };
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
 * WAL with synchronous=NORMAL: SQLite keeps the file consistent across a power cut (it syncs at checkpoints) and the
 * store makes each commit durable itself, by an fsync of the log off the event loop (SqliteStore). EXCLUSIVE locking:
 * the first write takes the file lock for the life of the process, so a second gateway on the same directory is refused.
 */
function configure(db: Database.Database, path: string): void {
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal')
      throw new Error('the file system does not support write-ahead logging');
    db.pragma('synchronous = NORMAL');
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
