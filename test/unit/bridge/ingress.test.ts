import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChargerIngress } from '../../../src/bridge/ingress.js';
import { OfflinePolicies } from '../../../src/bridge/offline-policies.js';
import { QueuedCount } from '../../../src/bridge/queued-count.js';
import { loadConfig } from '../../../src/config/config.js';
import type { JobOutcome, UpstreamJob, UpstreamQueue } from '../../../src/queue/upstream-queue.js';
import type { ChargerMessage } from '../../../src/soap/central-system-endpoint.js';
import { memoryRegistry } from '../../../src/state/memory/registry.js';
import { createLogger } from '../../../src/util/log.js';

/** The bridge's ingress with a real memory registry and a queue that is a plain object answering as told. */
function setup(
  overrides: Record<string, unknown> = {},
  answer: (job: UpstreamJob) => JobOutcome = () => ({ kind: 'response', body: {} }),
) {
  const config = loadConfig({ CONFIG: '' }, { csmsUrl: 'ws://csms', maxQueuedPerCharger: 10, ...overrides });
  const registry = memoryRegistry();
  const submitted: UpstreamJob[] = [];
  const overflows: string[] = [];
  const queue: UpstreamQueue = {
    kind: 'embedded',
    added: { jobs: 0, messages: 0, direct: 0 },
    start: async () => undefined,
    submit: async (job) => {
      submitted.push(job);
      return answer(job);
    },
    stats: async () => [],
    dropQueued: async () => 0,
    close: async () => undefined,
  };
  const ingress = new ChargerIngress(
    config,
    registry,
    queue,
    new QueuedCount(registry, createLogger('silent')),
    new OfflinePolicies(config, registry, createLogger('silent')),
    createLogger('silent'),
    {
      onOverflow: (identity, action, decision) => overflows.push(`${identity} ${action} ${decision}`),
    },
  );
  return { config, registry, ingress, submitted, overflows };
}

const ARRIVED = Date.parse('2024-05-01T12:00:00.000Z');
const message = (action: string, request: unknown, identity = 'CP-1'): ChargerMessage => ({
  identity,
  dialect: 'ocpp1.5-soap',
  action,
  request,
  arrivedAt: ARRIVED,
  receivedAt: new Date(ARRIVED).toISOString(),
  soapMessageId: 'urn:uuid:m1',
  remoteAddress: '10.0.0.7',
  callback: { url: 'http://10.0.0.7:8080/ChargePointService', source: 'From' },
});

describe('bridge ingress: from a decoded charger message to a queued job and back to an answer', () => {
  it('queues the message with its route and deadline, and records the charger contact', async () => {
    const { ingress, submitted, registry, config } = setup();
    const answer = await ingress.accept(message('Heartbeat', {}));
    assert.equal(answer.kind, 'response');
    assert.equal(submitted.length, 1);
    const job = submitted[0]!;
    assert.equal(answer.jobId, job.id);
    assert.deepEqual(
      {
        identity: job.identity,
        source: job.source,
        target: job.target,
        action: job.action,
        receivedAt: job.receivedAt,
        deadline: job.deadline,
        soapMessageId: job.soapMessageId,
      },
      {
        identity: 'CP-1',
        source: 'ocpp1.5-soap',
        target: config.csmsProtocol,
        action: 'Heartbeat',
        receivedAt: '2024-05-01T12:00:00.000Z',
        deadline: ARRIVED + config.csmsTimeoutMs,
        soapMessageId: 'urn:uuid:m1',
      },
    );
    const contact = await registry.contacts.contact('CP-1');
    assert.deepEqual(
      {
        url: contact?.callbackUrl,
        source: contact?.callbackSource,
        dialect: contact?.dialect,
        protocol: contact?.csmsProtocol,
        address: contact?.remoteAddress,
      },
      {
        url: 'http://10.0.0.7:8080/ChargePointService',
        source: 'From',
        dialect: 'ocpp1.5-soap',
        protocol: config.csmsProtocol,
        address: '10.0.0.7',
      },
    );
  });

  it('turns each queue outcome into the answer the delivery rules ask for', async () => {
    const cases: [string, object, JobOutcome, string, unknown][] = [
      [
        'Authorize',
        { idTag: 'T' },
        { kind: 'response', body: { idTagInfo: { status: 'Accepted' } } },
        'response',
        { idTagInfo: { status: 'Accepted' } },
      ],
      [
        'Authorize',
        { idTag: 'T' },
        { kind: 'fault', fault: { code: 'Sender', subcode: 'SecurityError', reason: 'no' } },
        'fault',
        'SecurityError',
      ],
      ['MeterValues', { connectorId: 1, values: [] }, { kind: 'stored' }, 'response', {}],
      ['Heartbeat', {}, { kind: 'expired', queued: true }, 'response', 'currentTime'],
      ['Authorize', { idTag: 'T' }, { kind: 'stored' }, 'retry', 'central system unavailable'],
      [
        'StartTransaction',
        { connectorId: 1 },
        { kind: 'expired', queued: true },
        'retry',
        'did not answer StartTransaction',
      ],
      ['Heartbeat', {}, { kind: 'expired', queued: false }, 'retry', 'did not answer Heartbeat'],
      [
        'MeterValues',
        { connectorId: 1, values: [] },
        { kind: 'retry', reason: 'gateway queue (Redis) unavailable', queued: false },
        'retry',
        'Redis',
      ],
    ];
    for (const [action, request, outcome, kind, detail] of cases) {
      const { ingress } = setup({}, () => outcome);
      const answer = await ingress.accept(message(action, request));
      assert.equal(answer.kind, kind, `${action} ${outcome.kind}`);
      if (answer.kind === 'response' && typeof detail === 'string')
        assert.ok(detail in answer.body, `${action}: ${detail}`);
      else if (answer.kind === 'response') assert.deepEqual(answer.body, detail);
      if (answer.kind === 'fault') assert.equal(answer.fault.subcode, detail);
      if (answer.kind === 'retry') assert.match(answer.reason, new RegExp(String(detail)));
    }
  });

  it('uncounts a message that never reached the queue, and counts one that did until the processor finishes it', async () => {
    const failing = setup({}, () => ({ kind: 'retry', reason: 'down', queued: false }));
    await failing.ingress.accept(message('MeterValues', { connectorId: 1, values: [] }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await failing.registry.queued.count('CP-1'), 0);
    const queued = setup({}, () => ({ kind: 'stored' }));
    await queued.ingress.accept(message('MeterValues', { connectorId: 1, values: [] }));
    assert.equal(await queued.registry.queued.count('CP-1'), 1);
  });

  it('over the queue bound: Heartbeat answered at once, MeterValues refused for a retry, StopTransaction still queued', async () => {
    const { ingress, registry, submitted, overflows } = setup();
    for (let i = 0; i < 10; i++) await registry.queued.add('CP-1', 1);
    const heartbeat = await ingress.accept(message('Heartbeat', {}));
    assert.equal(heartbeat.kind, 'response');
    const meter = await ingress.accept(message('MeterValues', { connectorId: 1, values: [] }));
    assert.equal(meter.kind, 'retry');
    assert.match(meter.kind === 'retry' ? meter.reason : '', /10 messages queued \(limit 10\)/);
    await ingress.accept(message('StopTransaction', { transactionId: 1 }));
    assert.deepEqual(
      submitted.map((j) => j.action),
      ['StopTransaction'],
    );
    assert.deepEqual(overflows, ['CP-1 Heartbeat answer-locally', 'CP-1 MeterValues refuse']);
  });

  it('marks a StatusNotification as the newest of its connector, so an older stored one can be skipped', async () => {
    const { ingress, registry, submitted } = setup();
    await ingress.accept(message('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError' }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await registry.supersede.latest('CP-1', '2'), submitted[0]!.id);
  });

  it('with offlineAuthorize, a CSMS that does not answer in time is stood in for by its own earlier answer', async () => {
    const { ingress, registry } = setup({ offlineAuthorize: true }, () => ({ kind: 'expired', queued: true }));
    await registry.authorizations.put('CP-1', 'TAG', {
      idTagInfo: { status: 'Blocked' },
      at: new Date().toISOString(),
    });
    const answer = await ingress.accept(message('Authorize', { idTag: 'TAG' }));
    assert.deepEqual(answer.kind === 'response' ? answer.body : answer, { idTagInfo: { status: 'Blocked' } });
    const unknown = await ingress.accept(message('Authorize', { idTag: 'OTHER' }));
    assert.equal(unknown.kind, 'retry', 'no earlier answer: no invented decision');
  });
});
