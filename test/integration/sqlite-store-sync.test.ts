import assert from 'node:assert/strict';
import { fstatSync, fsync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteStore, STORE_FILE, StoreError, type WalSync } from '../../src/state/sqlite-store.js';
import { createLogger } from '../../src/util/log.js';
import { until } from '../helpers/wait.js';

/**
 * The durable store's commit and its fsync (docs/architecture.md#the-embedded-store): the fsync of the log runs off the
 * event loop, and nobody is told "durable" before it ends. The fsync here is node's own, held until the test lets it
 * run, so that what happens while a disk is slow can be seen.
 */
describe('embedded durable store: the fsync of a commit, off the event loop', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A store on a real file whose fsyncs wait in `held` until `release()` runs the oldest (or fails it). */
  function heldStore() {
    const dir = mkdtempSync(join(tmpdir(), 'gw-store-sync-'));
    dirs.push(dir);
    const held: { fd: number; done: (err: NodeJS.ErrnoException | null) => void }[] = [];
    const sync: WalSync = (fd, done) => held.push({ fd, done });
    const store = SqliteStore.open(dir, createLogger('silent'), 50, sync);
    const release = (err?: NodeJS.ErrnoException) => {
      const next = held.shift();
      assert.ok(next, 'an fsync is under way');
      if (err) next.done(err);
      else fsync(next.fd, next.done);
    };
    /** Resolves once the store has started its next fsync. */
    const nextFsync = () => until(() => held.length > 0, 'the next fsync', 5_000);
    return { dir, store, held, release, nextFsync };
  }

  /** Whether `p` has settled after a few turns of the event loop (timers and I/O go on meanwhile). */
  async function settled(p: Promise<unknown>): Promise<boolean> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
    return done;
  }

  it('durable() is answered when the fsync of the log ends, not when the commit is written', async () => {
    const { dir, store, held, release } = heldStore();
    store.appendMessage(1, 'CP-1', { id: 'a' });
    const durable = store.durable();
    assert.equal(await settled(durable), false, 'not durable while the fsync is under way');
    assert.equal(held.length, 1);
    assert.equal(store.stats.commits, 1, 'the transaction itself is written');
    assert.equal(
      fstatSync(held[0]!.fd).ino,
      statSync(join(dir, `${STORE_FILE}-wal`)).ino,
      'the file synced is the write-ahead log',
    );
    release();
    await durable;
    store.close();
  });

  it('what is written during an fsync waits, and goes in one commit when it ends (group commit)', async () => {
    const { store, held, release, nextFsync } = heldStore();
    store.appendMessage(1, 'CP-1', { id: 'a' });
    const first = store.durable();
    await settled(first);
    store.appendMessage(2, 'CP-2', { id: 'b' });
    const second = [store.durable()];
    store.appendMessage(3, 'CP-3', { id: 'c' });
    second.push(store.durable());
    assert.equal(await settled(Promise.all(second)), false);
    assert.equal(store.stats.commits, 1, 'no commit while the first fsync is under way');
    release();
    await first;
    await nextFsync();
    assert.equal(store.stats.commits, 2, 'the two writes of the meantime in one commit');
    assert.equal(await settled(Promise.all(second)), false, 'their waiters wait for their own fsync');
    release();
    await Promise.all(second);
    assert.equal(held.length, 0, 'one fsync per commit');
    store.close();
  });

  it('nothing pending but an fsync under way: durable() still waits for it', async () => {
    const { store, release } = heldStore();
    store.put('state', 'CP-1', { v: 1 });
    const first = store.durable();
    await settled(first);
    const again = store.durable();
    assert.equal(await settled(again), false, 'the write is not on disk yet');
    release();
    await Promise.all([first, again]);
    assert.equal(store.stats.commits, 1);
    store.close();
  });

  it('a commit for state alone leaves the queued messages out; the write-behind takes them later', async () => {
    const { dir, store, release, nextFsync } = heldStore();
    store.appendMessage(1, 'CP-1', { id: 'a' });
    store.put('routing', 'CP-2', { open: ['42'] });
    const state = store.durable('state');
    await nextFsync();
    assert.equal(store.stats.messagesWritten, 0, 'the message in flight is not written for a routing record');
    release();
    await state;
    assert.equal(store.stats.commits, 1);
    await nextFsync(); // the write-behind (50 ms here) commits the message still pending
    assert.equal(store.stats.messagesWritten, 1);
    release();
    await until(() => store.stats.commits === 2, 'the write-behind commit', 5_000);
    store.close();
    const again = SqliteStore.open(dir, createLogger('silent'));
    assert.deepEqual(
      again.loadMessages().map((m) => m.seq),
      [1],
    );
    assert.deepEqual(again.loadSpace('routing'), [['CP-2', { open: ['42'] }]]);
    again.close();
  });

  it('only queued messages pending: a wait for state is answered without a commit', async () => {
    const { store, held } = heldStore();
    store.appendMessage(1, 'CP-1', { id: 'a' });
    store.removeMessage(1);
    store.appendMessage(2, 'CP-1', { id: 'b' });
    await store.durable('state');
    assert.equal(store.stats.commits, 0);
    assert.equal(held.length, 0, 'no fsync');
    store.close();
  });

  it('a wait for state and a wait for messages in one turn share one commit, with the messages', async () => {
    const { store, release, nextFsync } = heldStore();
    store.appendMessage(1, 'CP-1', { id: 'a' });
    store.put('copy', 'CP-1\na', { id: 'a' });
    const both = Promise.all([store.durable('state'), store.durable()]);
    await nextFsync();
    release();
    await both;
    assert.equal(store.stats.commits, 1);
    assert.equal(store.stats.messagesWritten, 1);
    store.close();
  });

  it('a failed fsync answers its waiters with the reason, counts an error, and the store goes on', async () => {
    const { store, release, nextFsync } = heldStore();
    store.appendMessage(1, 'CP-1', { id: 'a' });
    const failing = store.durable();
    await settled(failing);
    release(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await assert.rejects(failing, (err: Error) => err instanceof StoreError && /EIO/.test(err.message));
    assert.equal(store.stats.errors, 1);
    store.appendMessage(2, 'CP-1', { id: 'b' });
    const next = store.durable();
    await nextFsync();
    release();
    await next;
    store.close();
  });

  it('a stop during an fsync: the waiters are answered, and everything is in the file at the next start', async () => {
    const { dir, store, held } = heldStore();
    store.appendMessage(1, 'CP-1', { id: 'a' });
    const first = store.durable();
    await settled(first);
    store.appendMessage(2, 'CP-2', { id: 'b' });
    const second = store.durable();
    store.close();
    await Promise.all([first, second]);
    held.shift()?.done(null); // the fsync that was under way ends after the stop: nothing more happens
    const again = SqliteStore.open(dir, createLogger('silent'));
    assert.deepEqual(
      again.loadMessages().map((m) => m.seq),
      [1, 2],
    );
    again.close();
  });
});
