import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { divergenceOf } from '../../../src/translate/divergence.js';
import {
  afterPrimary,
  afterShadow,
  arrangementFor,
  commandsAllowed,
  emptyRouting,
  openTransactionsBySystem,
  shadowRequest,
  type SystemAnswer,
} from '../../../src/translate/routing.js';

const AT = '2026-01-01T00:00:00.000Z';
const started = (id: number): SystemAnswer => ({
  kind: 'response',
  body: { transactionId: id, idTagInfo: { status: 'Accepted' } },
});

describe('migration routing (pure): who owns a transaction, and the shadow ids', () => {
  it('a message of an open transaction follows the systems that saw it start, whatever the route says now', () => {
    let routing = afterPrimary(
      emptyRouting(),
      'StartTransaction',
      { idTag: 'T' },
      started(5001),
      { primary: 'legacy', shadow: 'csms' },
      AT,
    );
    assert.deepEqual(arrangementFor('MeterValues', { transactionId: 5001 }, routing, 'csms'), {
      primary: 'legacy',
      shadow: 'csms',
    });
    assert.deepEqual(arrangementFor('StopTransaction', { transactionId: 5001 }, routing, 'csms'), {
      primary: 'legacy',
      shadow: 'csms',
    });
    assert.deepEqual(
      arrangementFor('MeterValues', { transactionId: 9 }, routing, 'csms'),
      { primary: 'csms' },
      'an unknown transaction follows the route',
    );
    assert.deepEqual(arrangementFor('Heartbeat', {}, routing, 'csms+shadow'), { primary: 'csms', shadow: 'legacy' });
    assert.deepEqual(openTransactionsBySystem(routing), { csms: [], legacy: [5001] });
    routing = afterPrimary(
      routing,
      'StopTransaction',
      { transactionId: 5001 },
      { kind: 'response', body: {} },
      { primary: 'legacy' },
      AT,
    );
    assert.deepEqual(openTransactionsBySystem(routing), { csms: [], legacy: [] });
  });

  it('a Start the primary refused or never answered owns nothing; a Stop the charger must resend keeps the owner', () => {
    const refused = afterPrimary(
      emptyRouting(),
      'StartTransaction',
      {},
      { kind: 'fault', fault: { code: 'Sender', subcode: 'SecurityError', reason: 'x' } },
      { primary: 'csms' },
      AT,
    );
    assert.deepEqual(refused, emptyRouting());
    const open = afterPrimary(emptyRouting(), 'StartTransaction', {}, started(7), { primary: 'csms' }, AT);
    assert.equal(
      afterPrimary(
        open,
        'StopTransaction',
        { transactionId: 7 },
        { kind: 'none', reason: 'retry' },
        { primary: 'csms' },
        AT,
      ),
      open,
    );
  });

  it("the shadow's ids are paired from both answers to the Start, used for the session, and let go at its Stop", () => {
    let routing = afterShadow(emptyRouting(), 'StartTransaction', {}, started(5001), started(1001));
    assert.deepEqual(shadowRequest('MeterValues', { connectorId: 1, transactionId: 5001 }, routing), {
      request: { connectorId: 1, transactionId: 1001 },
    });
    assert.deepEqual(shadowRequest('Heartbeat', {}, routing), { request: {} });
    assert.deepEqual(shadowRequest('StopTransaction', { transactionId: 42 }, routing), { unmapped: 42 });
    routing = afterShadow(
      routing,
      'StopTransaction',
      { transactionId: 5001 },
      { kind: 'response', body: {} },
      { kind: 'response', body: {} },
    );
    assert.deepEqual(routing.shadowIds, {});
  });

  it('commands: the primary always, a shadow only when allowed, an owner of an open transaction only its stop', () => {
    const none = emptyRouting();
    const reset = { operation: 'Reset' };
    const reason = (v: ReturnType<typeof commandsAllowed>) => (v.ok ? 'ok' : v.reason);
    assert.deepEqual(commandsAllowed('legacy', 'CP', 'legacy', none, 'refuse', reset), { ok: true });
    assert.match(reason(commandsAllowed('csms', 'CP', 'legacy+shadow', none, 'refuse', reset)), /read-only shadow/);
    assert.deepEqual(commandsAllowed('csms', 'CP', 'legacy+shadow', none, 'allow', reset), { ok: true });
    assert.match(reason(commandsAllowed('csms', 'CP', 'legacy', none, 'allow', reset)), /routed to the legacy system/);
    const owned = afterPrimary(none, 'StartTransaction', {}, started(3), { primary: 'csms' }, AT);
    const stopIt = { operation: 'RemoteStopTransaction', transactionId: 3 };
    assert.deepEqual(commandsAllowed('csms', 'CP', 'legacy', owned, 'refuse', stopIt), { ok: true }, 'its own stop');
    assert.deepEqual(
      commandsAllowed('csms', 'CP', 'legacy', owned, 'refuse', {
        operation: 'RequestStopTransaction',
        transactionId: '3',
      }),
      { ok: true },
      'the 2.0.1 stop names the transaction as a string',
    );
    assert.match(
      reason(commandsAllowed('csms', 'CP', 'legacy', owned, 'refuse', reset)),
      /may only stop a transaction it owns/,
      'an open transaction gives no other command rights',
    );
    assert.match(
      reason(commandsAllowed('csms', 'CP', 'legacy', owned, 'refuse', { ...stopIt, transactionId: 4 })),
      /may only stop a transaction it owns/,
      "another system's transaction",
    );
  });
});

describe('divergences (pure)', () => {
  const ok = (status: string): SystemAnswer => ({ kind: 'response', body: { idTagInfo: { status } } });
  it('different decisions, a Fault on one side, no answer from the shadow; agreement and stored messages are not divergences', () => {
    assert.equal(divergenceOf('Authorize', ok('Accepted'), ok('Blocked'))?.kind, 'decision');
    assert.match(
      divergenceOf('Authorize', ok('Accepted'), ok('Blocked'))!.detail,
      /primary: Accepted; shadow: Blocked/,
    );
    assert.equal(divergenceOf('Authorize', ok('Accepted'), ok('Accepted')), undefined);
    assert.equal(
      divergenceOf(
        'BootNotification',
        { kind: 'response', body: { status: 'Accepted' } },
        { kind: 'response', body: { status: 'Rejected' } },
      )?.kind,
      'decision',
    );
    assert.equal(
      divergenceOf(
        'Heartbeat',
        { kind: 'response', body: { currentTime: 'a' } },
        { kind: 'response', body: { currentTime: 'b' } },
      ),
      undefined,
      'no decision to differ on',
    );
    assert.equal(
      divergenceOf(
        'DataTransfer',
        { kind: 'response', body: { status: 'Accepted' } },
        { kind: 'fault', fault: { code: 'Receiver', subcode: 'InternalError', reason: 'x' } },
      )?.kind,
      'error',
    );
    assert.equal(divergenceOf('Authorize', ok('Accepted'), { kind: 'none', reason: 'timeout' })?.kind, 'missing');
    assert.equal(divergenceOf('MeterValues', { kind: 'stored' }, { kind: 'response', body: {} }), undefined);
  });
});
