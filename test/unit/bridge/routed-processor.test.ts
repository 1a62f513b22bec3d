import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RoutedProcessor } from '../../../src/bridge/routed-processor.js';
import { loadConfig } from '../../../src/config/config.js';
import type { JobOutcome, JobProcessor, UpstreamJob } from '../../../src/queue/upstream-queue.js';
import { EmbeddedMigrationStore } from '../../../src/state/migration-store.js';
import { SqliteStore } from '../../../src/state/sqlite-store.js';
import { createLogger } from '../../../src/util/log.js';

const NOW = '2024-05-01T12:00:00.000Z';
const ANSWERS: Record<string, object> = {
  MeterValues: {},
  StartTransaction: { transactionId: 42, idTagInfo: { status: 'Accepted' } },
};
const REQUESTS: Record<string, object> = {
  MeterValues: { connectorId: 1, values: [{ timestamp: NOW, value: [{ value: '10' }] }] },
  StartTransaction: { connectorId: 1, idTag: 'TAG', timestamp: NOW, meterStart: 0 },
};

const job = (action: string): UpstreamJob => ({
  id: `job-${action}`,
  identity: 'CP-1',
  source: 'ocpp1.5-soap',
  target: 'ocpp1.6',
  action,
  request: REQUESTS[action],
  receivedAt: NOW,
  deadline: Date.now() + 10_000,
});

/**
 * The routed processor over the real embedded store (a file), the legacy system answering at once, and another
 * charger's message in flight, pending in the store as the queue leaves it until its delivery.
 */
function routed(route: 'legacy' | 'legacy+shadow') {
  const dir = mkdtempSync(join(tmpdir(), 'gw-routed-'));
  dirs.push(dir);
  const store = SqliteStore.open(dir, createLogger('silent'), 60_000);
  store.appendMessage(1, 'CP-OTHER', { id: 'in-flight' });
  const config = loadConfig({
    CONFIG: '',
    CSMS_URL: 'ws://csms/ocpp',
    LEGACY_CS_URL: 'http://legacy/cs',
    ROUTE: route,
  });
  const legacy: JobProcessor = async (j, reply) => reply({ kind: 'response', body: ANSWERS[j.action]! });
  const copied: string[] = [];
  const processor = new RoutedProcessor(
    config,
    new EmbeddedMigrationStore(store),
    { csms: legacy, legacy, copied: (identity) => copied.push(identity) },
    createLogger('silent'),
  );
  /** Processes the job; the outcome the charger got, and the store's commits by then. */
  const process = async (j: UpstreamJob) => {
    let answered: { outcome: JobOutcome; commits: number } | undefined;
    await processor.process(j, (outcome) => (answered = { outcome, commits: store.stats.commits }));
    assert.ok(answered, 'the charger is answered');
    return answered;
  };
  return { store, process, copied };
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('routed processor: what a routed message waits for in the embedded store', () => {
  it('a MeterValues on the legacy route is answered without a commit', async () => {
    const { store, process } = routed('legacy');
    const { outcome, commits } = await process(job('MeterValues'));
    assert.equal(outcome.kind, 'response');
    assert.equal(commits, 0);
    assert.equal(store.stats.messagesWritten, 0);
    store.close();
  });

  it("a StartTransaction's owner is on disk before the answer, without the messages in flight", async () => {
    const { store, process } = routed('legacy');
    const { outcome, commits } = await process(job('StartTransaction'));
    assert.deepEqual(outcome, { kind: 'response', body: ANSWERS.StartTransaction });
    assert.equal(commits, 1);
    assert.equal(store.stats.messagesWritten, 0, "another charger's message in flight is not written");
    store.close();
  });

  it('with a shadow, the copy is on disk before the answer, and the shadow forwarder is told', async () => {
    const { store, process, copied } = routed('legacy+shadow');
    const { commits } = await process(job('MeterValues'));
    assert.equal(commits, 1);
    assert.equal(store.stats.messagesWritten, 0);
    assert.deepEqual(copied, ['CP-1']);
    store.close();
  });
});
