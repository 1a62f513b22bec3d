import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChargerMessageProcessor, type ExchangeEvent } from '../../../src/bridge/message-processor.js';
import { OfflinePolicies } from '../../../src/bridge/offline-policies.js';
import { loadConfig } from '../../../src/config/config.js';
import { RpcError } from '../../../src/ocpp/rpc-error.js';
import { check16 } from '../../../src/ocpp/v16/protocol.js';
import { LeftInQueue, type JobOutcome, type UpstreamJob } from '../../../src/queue/upstream-queue.js';
import { memoryRegistry } from '../../../src/state/memory/registry.js';
import { UpstreamError } from '../../../src/upstream/connection-types.js';
import { createLogger } from '../../../src/util/log.js';

interface Sent {
  action: string;
  payload: object;
}

/**
 * The message processor with a real memory registry and a CSMS connection that is a plain object: `csms` answers each
 * CALL (a payload, or a thrown RpcError / UpstreamError).
 */
function setup(csms: (call: Sent, n: number) => object, overrides: Record<string, unknown> = {}) {
  const config = loadConfig({ CONFIG: '' }, { csmsUrl: 'ws://csms', ...overrides });
  const registry = memoryRegistry();
  const sent: Sent[] = [];
  const events: ExchangeEvent[] = [];
  const upstream = {
    get: () => ({
      call: async (action: string, payload: object) => {
        sent.push({ action, payload });
        return csms({ action, payload }, sent.length) as Record<string, unknown>;
      },
    }),
  };
  const processor = new ChargerMessageProcessor({
    config,
    registry,
    upstream,
    offline: new OfflinePolicies(config, registry, createLogger('silent')),
    logger: createLogger('silent'),
    observer: { onExchange: (e) => events.push(e) },
  });
  return { processor, registry, sent, events };
}

let seq = 0;
const job = (action: string, request: unknown, deadlineMs = 20_000): UpstreamJob => ({
  id: `job-${++seq}`,
  identity: 'CP-1',
  source: 'ocpp1.5-soap',
  target: 'ocpp1.6',
  action,
  request,
  receivedAt: '2024-05-01T12:00:00.000Z',
  deadline: Date.now() + deadlineMs,
});

/** Runs one job and collects every outcome the processor replied with, in order. */
async function run(processor: ChargerMessageProcessor, j: UpstreamJob): Promise<JobOutcome[]> {
  const replies: JobOutcome[] = [];
  await processor.process(j, (o) => replies.push(o));
  return replies;
}

const BOOT = { chargePointVendor: 'V', chargePointModel: 'M' };
const NOW = '2024-05-01T12:00:01.000Z';

describe('message processor: one charger message through translation, the CSMS and back', () => {
  it('BootNotification: a schema-valid 1.6 CALL, the 1.5 answer, and the registration in the state', async () => {
    const { processor, registry, sent, events } = setup(() => ({
      status: 'Accepted',
      currentTime: NOW,
      interval: 300,
    }));
    const replies = await run(processor, job('BootNotification', BOOT));
    assert.deepEqual(sent, [{ action: 'BootNotification', payload: BOOT }]);
    assert.ok(check16('BootNotification', 'req', sent[0]!.payload).ok);
    assert.deepEqual(replies, [
      { kind: 'response', body: { status: 'Accepted', currentTime: NOW, heartbeatInterval: 300 } },
    ]);
    assert.equal((await registry.states.load('CP-1'))?.registration, 'Accepted');
    assert.deepEqual([events.length, events[0]?.via], [1, 'csms']);
  });

  it('refuses every message but BootNotification while the CSMS has the charger Pending, without asking the CSMS', async () => {
    const { processor, registry, sent } = setup(() => ({ idTagInfo: { status: 'Accepted' } }));
    await registry.states.update('CP-1', (s) => ({ ...s, registration: 'Pending' }));
    const replies = await run(processor, job('Authorize', { idTag: 'T' }));
    assert.equal(sent.length, 0);
    assert.equal(replies[0]?.kind === 'fault' && replies[0].fault.subcode, 'SecurityError');
  });

  it('answers an untranslatable message with Sender/ProtocolError and sends nothing', async () => {
    const { processor, sent } = setup(() => ({}));
    const replies = await run(processor, job('Authorize', { idTag: 'X'.repeat(21) }));
    assert.equal(sent.length, 0);
    assert.deepEqual(replies[0]?.kind === 'fault' && [replies[0].fault.code, replies[0].fault.subcode], [
      'Sender',
      'ProtocolError',
    ]);
  });

  it('maps a CALLERROR to the SOAP Fault of the errata table, and an invalid CSMS answer to Receiver/InternalError', async () => {
    const refusing = setup(() => {
      throw new RpcError('PropertyConstraintViolation', 'bad idTag');
    });
    const [fault] = await run(refusing.processor, job('Authorize', { idTag: 'T' }));
    assert.deepEqual(fault?.kind === 'fault' && [fault.fault.code, fault.fault.subcode], ['Sender', 'ProtocolError']);
    assert.equal(refusing.events[0]?.rpcError, 'PropertyConstraintViolation');
    const invalid = setup(() => ({ idTagInfo: { status: 'Maybe' } }));
    const [answer] = await run(invalid.processor, job('Authorize', { idTag: 'T' }));
    assert.deepEqual(answer?.kind === 'fault' && answer.fault.subcode, 'InternalError');
  });

  it('does not send a message that needs a CSMS decision once its charger was told to retry', async () => {
    const { processor, sent } = setup(() => ({ idTagInfo: { status: 'Accepted' } }));
    const replies = await run(processor, job('Authorize', { idTag: 'T' }, -1));
    assert.deepEqual([sent.length, replies.length], [0, 0]);
  });

  it('stores a store-and-forward message when the CSMS is unreachable, and leaves it in the queue when stopping', async () => {
    const { processor, sent } = setup(() => {
      throw new UpstreamError('unavailable', 'CSMS unreachable: ECONNREFUSED');
    });
    const replies: JobOutcome[] = [];
    const running = processor.process(
      job('MeterValues', { connectorId: 1, values: [{ timestamp: NOW, value: [{ $value: '10' }] }] }),
      (o) => replies.push(o),
    );
    while (replies.length === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(replies, [{ kind: 'stored' }]);
    processor.stop();
    await assert.rejects(running, LeftInQueue);
    assert.equal(sent[0]?.action, 'MeterValues');
  });

  it('answers StartTransaction from the CSMS, then reports the Charging transition a 1.5 charger never sends', async () => {
    const { processor, registry, sent } = setup((call) =>
      call.action === 'StartTransaction' ? { transactionId: 42, idTagInfo: { status: 'Accepted' } } : {},
    );
    await registry.states.update('CP-1', (s) => ({
      ...s,
      registration: 'Accepted',
      connectors: { '1': { chargerStatus: 'Occupied', csmsStatus: 'Preparing' } },
    }));
    const replies = await run(
      processor,
      job('StartTransaction', { connectorId: 1, idTag: 'T', timestamp: NOW, meterStart: 5 }),
    );
    assert.deepEqual(replies, [{ kind: 'response', body: { transactionId: 42, idTagInfo: { status: 'Accepted' } } }]);
    assert.deepEqual(
      sent.map((s) => s.action),
      ['StartTransaction', 'StatusNotification'],
    );
    assert.equal((sent[1]!.payload as { status: string }).status, 'Charging');
    const state = await registry.states.load('CP-1');
    assert.deepEqual([state?.transactions['42']?.connectorId, state?.connectors['1']?.csmsStatus], [1, 'Charging']);
  });

  it('2.0.1: a seqNo reservation is made again when a CSMS command changed the state while it waited for the lock', async () => {
    const { processor, registry, sent } = setup(() => ({}));
    const transaction = {
      transactionId: 7,
      connectorId: 1,
      idTag: 'T',
      startedAt: NOW,
      idTagStatus: 'Accepted',
      csmsTransactionId: 'tx-7',
      nextSeqNo: 3,
    };
    await registry.states.update('CP-1', (s) => ({
      ...s,
      registration: 'Accepted',
      transactions: { '7': transaction },
    }));
    // A TriggerMessage takes seqNos 3 and 4 between the message's first look at the state and its turn at the lock.
    const update = registry.states.update.bind(registry.states);
    registry.states.update = async (identity, change) => {
      await update(identity, (s) => ({ ...s, transactions: { '7': { ...transaction, nextSeqNo: 5 } } }));
      return update(identity, change);
    };
    const request = {
      connectorId: 1,
      transactionId: 7,
      values: [{ timestamp: NOW, value: [{ $value: '1200', unit: 'Wh', measurand: 'Energy.Active.Import.Register' }] }],
    };
    const replies = await run(processor, { ...job('MeterValues', request), target: 'ocpp2.0.1' });
    assert.deepEqual(replies, [{ kind: 'response', body: {} }]);
    assert.deepEqual(
      sent.map((s) => [s.action, (s.payload as { seqNo: number }).seqNo]),
      [['TransactionEvent', 5]],
    );
    assert.equal((await registry.states.load('CP-1'))?.transactions['7']?.nextSeqNo, 6);
  });
});
