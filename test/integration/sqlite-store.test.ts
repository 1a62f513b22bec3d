import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteStore, STORE_FILE, StoreError } from '../../src/state/sqlite-store.js';
import { createLogger } from '../../src/util/log.js';
import { sqliteRegistry } from '../../src/state/sqlite-registry.js';
import { SecretBox } from '../../src/util/secret-box.js';
import { until } from '../helpers/wait.js';

/** The embedded durable store on real files (docs/architecture.md#the-embedded-store). */
describe('embedded durable store (SQLite on real files)', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-store-'));
    dirs.push(dir);
    return dir;
  };
  const open = (dir: string) => SqliteStore.open(dir, createLogger('silent'), 50);
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('commits what was written, together, and reads it back after a reopen; a message removed before its commit is never written', async () => {
    const dir = newDir();
    const store = open(dir);
    store.appendMessage(1, 'CP-1', { id: 'a', n: 1 });
    store.appendMessage(2, 'CP-2', { id: 'b', n: 2 });
    store.appendMessage(3, 'CP-1', { id: 'c', n: 3 });
    store.removeMessage(2);
    store.put('state', 'CP-1', { v: 1 });
    store.put('state', 'CP-1', { v: 2 });
    store.put('contact', 'CP-2', { url: 'x' });
    store.delete('contact', 'CP-2');
    await Promise.all([store.durable(), store.durable()]);
    assert.deepEqual(
      store.stats,
      { commits: 1, messagesWritten: 2, errors: 0 },
      'one commit for everything, two messages written',
    );
    await store.durable();
    assert.equal(store.stats.commits, 1, 'nothing pending: no commit');
    store.removeMessage(1);
    store.close();

    const again = open(dir);
    assert.deepEqual(
      again.loadMessages().map((m) => [m.seq, m.identity, m.job]),
      [[3, 'CP-1', { id: 'c', n: 3 }]],
      'the removal at close was committed; the cancelled message never existed',
    );
    assert.deepEqual(again.loadSpace('state'), [['CP-1', { v: 2 }]], 'the last write to a key wins');
    assert.deepEqual(again.loadSpace('contact'), []);
    again.close();
  });

  it('a write is serialised at its commit, as it is then; one that cannot be is left out and counted, the rest committed', async () => {
    const dir = newDir();
    const store = open(dir);
    const job = { id: 'a', acknowledged: false };
    store.appendMessage(1, 'CP-1', job);
    job.acknowledged = true;
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    store.put('state', 'CP-1', circular);
    store.put('state', 'CP-2', { v: 2 });
    store.appendMessage(2, 'CP-2', circular);
    await store.durable();
    assert.deepEqual(store.stats, { commits: 1, messagesWritten: 1, errors: 2 }, 'the message left out is not counted');
    store.close();
    const again = open(dir);
    assert.deepEqual(
      again.loadMessages().map((m) => m.job),
      [{ id: 'a', acknowledged: true }],
    );
    assert.deepEqual(again.loadSpace('state'), [['CP-2', { v: 2 }]]);
    again.close();
  });

  it('writes behind without anyone waiting, within its delay', async () => {
    const dir = newDir();
    const store = open(dir);
    store.put('secret', 'CP-9', 'key-of-cp-9');
    await until(() => store.stats.commits > 0, 'the write-behind commit', 2_000);
    assert.equal(store.stats.commits, 1);
    store.close();
  });

  it('gives the pages of delivered messages back (compaction), so the file does not grow without bound', async () => {
    const store = open(newDir());
    const body = 'x'.repeat(1_000);
    for (let seq = 1; seq <= 4_000; seq++) store.appendMessage(seq, `CP-${seq % 50}`, { body });
    await store.durable();
    const full = store.sizeBytes();
    for (let seq = 1; seq <= 4_000; seq++) store.removeMessage(seq);
    await store.durable();
    store.compact();
    const compacted = store.sizeBytes();
    assert.ok(full > 4_000_000, `${full} bytes with 4,000 messages of 1 KB`);
    assert.ok(
      compacted < full / 4,
      `${compacted} bytes after the delivered messages' pages were given back (from ${full})`,
    );
    store.close();
  });

  it("DATA_DIR is created the owner's only (0700), the store's files 0600; a looser existing directory is warned about", () => {
    const created = join(newDir(), 'fresh', 'data');
    open(created).close();
    assert.equal(statSync(created).mode & 0o777, 0o700);
    for (const file of [STORE_FILE, `${STORE_FILE}-wal`])
      if (existsSync(join(created, file))) assert.equal(statSync(join(created, file)).mode & 0o777, 0o600, file);
    assert.equal(statSync(join(created, STORE_FILE)).mode & 0o777, 0o600);
    const loose = newDir();
    chmodSync(loose, 0o755);
    const lines: string[] = [];
    SqliteStore.open(loose, createLogger('warn', { write: (line: string) => void lines.push(line) }), 50).close();
    assert.ok(
      lines.some((l) => /readable by other users/.test(l)),
      lines.join(''),
    );
  });

  it('with STORE_SECRET_KEY the AuthorizationKeys are sealed in the file and read back after a reopen', async () => {
    const dir = newDir();
    const box = SecretBox.of('s'.repeat(40));
    const first = open(dir);
    await sqliteRegistry(first, box).secrets.setAuthorizationKey('CP-1', 'AUTHKEY-visible-if-in-clear');
    first.close();
    const bytes = [STORE_FILE, `${STORE_FILE}-wal`]
      .filter((f) => existsSync(join(dir, f)))
      .map((f) => readFileSync(join(dir, f)).toString('latin1'))
      .join('');
    assert.ok(bytes.length > 0);
    assert.doesNotMatch(bytes, /AUTHKEY-visible/);
    const second = open(dir);
    assert.equal(await sqliteRegistry(second, box).secrets.authorizationKey('CP-1'), 'AUTHKEY-visible-if-in-clear');
    assert.throws(() => sqliteRegistry(second, SecretBox.of(undefined)), /STORE_SECRET_KEY is not set/);
    second.close();
  });

  it('refuses a DATA_DIR it cannot create or write, naming the path', () => {
    const parent = newDir();
    const file = join(parent, 'a-file');
    writeFileSync(file, 'not a directory');
    assert.throws(
      () => open(join(file, 'data')),
      (e: unknown) =>
        e instanceof StoreError && e.message.includes(join(file, 'data')) && /cannot be created/.test(e.message),
    );
  });

  it('refuses a second gateway process on the same DATA_DIR while the first holds it', () => {
    const dir = newDir();
    const store = open(dir);
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('./src/state/sqlite-store.ts').then(({ SqliteStore }) => { try { SqliteStore.open(${JSON.stringify(dir)}, { error() {}, warn() {}, info() {} }); console.log('opened'); } catch (e) { console.log(e.name + ': ' + e.message); } })`,
      ],
      { encoding: 'utf8', cwd: join(import.meta.dirname, '../..') },
    );
    assert.match(child.stdout, /StoreError: DATA_DIR .* is in use by another gateway process/);
    store.close();
  });

  it('refuses a damaged store file at start, says how to recover, and leaves the file as it was', async () => {
    const dir = newDir();
    const store = open(dir);
    for (let seq = 1; seq <= 2_000; seq++) store.appendMessage(seq, 'CP-1', { body: 'y'.repeat(500) });
    await store.durable();
    store.close();
    const path = join(dir, STORE_FILE);
    truncateSync(path, Math.floor(statSync(path).size / 3));
    const size = statSync(path).size;
    assert.throws(
      () => open(dir),
      (e: unknown) => e instanceof StoreError && /is damaged/.test(e.message) && /move .* aside/.test(e.message),
    );
    assert.ok(existsSync(path));
    assert.equal(statSync(path).size, size, 'never silently recreated');
  });
});
