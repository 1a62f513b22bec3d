import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExchangeEvent } from '../../../src/bridge/message-run.js';
import { ChargerTimeline } from '../../../src/admin/timeline.js';

/** A charger message as the processor reports it once handled: the CALL as sent to the CSMS, and its answer. */
const exchange = (
  identity: string,
  action: string,
  call: object | undefined,
  result: object = {},
  via: ExchangeEvent['via'] = 'csms',
): ExchangeEvent => ({
  identity,
  action,
  jobId: 'job',
  call,
  result,
  outcome: { kind: 'response', body: {} },
  via,
});

const status = (connectorId: number, status: string, errorCode = 'NoError', info?: string) => ({
  connectorId,
  status,
  errorCode,
  info,
  timestamp: '2026-01-01T00:00:00Z',
});
const kinds = (timeline: ChargerTimeline, identity: string) =>
  timeline.events(identity).map((e) => [e.kind, e.status ?? e.transactionId ?? e.detail]);

describe('charger timeline (bounded per charger and in chargers)', () => {
  it('status changes, faults and sessions of 1.6J CALLs, newest first; a repeated status is no change', () => {
    const timeline = new ChargerTimeline({ perCharger: 20, chargers: 10 });
    timeline.onExchange(exchange('CP-1', 'Heartbeat', {}));
    timeline.onExchange(exchange('CP-1', 'StatusNotification', status(1, 'Available')));
    timeline.onExchange(exchange('CP-1', 'StatusNotification', status(1, 'Available')));
    timeline.onExchange(exchange('CP-1', 'StatusNotification', status(1, 'Charging')));
    timeline.onExchange(
      exchange(
        'CP-1',
        'StartTransaction',
        { connectorId: 1, idTag: 'T', meterStart: 0 },
        {
          transactionId: 1001,
          idTagInfo: { status: 'Accepted' },
        },
      ),
    );
    timeline.onExchange(exchange('CP-1', 'StopTransaction', { transactionId: 1001, meterStop: 5, reason: 'Local' }));
    timeline.onExchange(exchange('CP-1', 'StatusNotification', status(1, 'Faulted', 'GroundFailure', 'RCD tripped')));
    timeline.onExchange(exchange('CP-1', 'StatusNotification', status(2, 'Available', 'HighTemperature')));
    assert.deepEqual(kinds(timeline, 'CP-1'), [
      ['fault', 'Available'],
      ['fault', 'Faulted'],
      ['session-stop', 1001],
      ['session-start', 1001],
      ['status', 'Charging'],
      ['status', 'Available'],
    ]);
    const [warm, fault, stop, start] = timeline.events('CP-1');
    assert.equal(fault!.detail, 'GroundFailure: RCD tripped');
    assert.equal(warm!.detail, 'HighTemperature');
    assert.equal(warm!.connectorId, 2);
    assert.equal(stop!.detail, 'Local');
    assert.deepEqual([start!.connectorId, start!.detail], [1, 'Accepted']);
    assert.match(start!.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(timeline.events('CP-unknown'), []);
  });

  it('reads the 2.0.1 forms of the same messages (connectorStatus, TransactionEvent fields)', () => {
    const timeline = new ChargerTimeline({ perCharger: 20, chargers: 10 });
    timeline.onExchange(
      exchange('CP-2', 'StatusNotification', {
        evseId: 2,
        connectorId: 1,
        connectorStatus: 'Occupied',
        timestamp: 'x',
      }),
    );
    timeline.onExchange(
      exchange(
        'CP-2',
        'StartTransaction',
        { eventType: 'Started', evse: { id: 2 }, transactionInfo: { transactionId: 'tx-9' } },
        {
          idTokenInfo: { status: 'Accepted' },
        },
      ),
    );
    timeline.onExchange(
      exchange('CP-2', 'StopTransaction', {
        eventType: 'Ended',
        transactionInfo: { transactionId: 'tx-9', stoppedReason: 'EVDisconnected' },
      }),
    );
    timeline.onExchange(
      exchange('CP-2', 'StatusNotification', { evseId: 2, connectorId: 1, connectorStatus: 'Faulted' }),
    );
    assert.deepEqual(kinds(timeline, 'CP-2'), [
      ['fault', 'Faulted'],
      ['session-stop', 'tx-9'],
      ['session-start', 'tx-9'],
      ['status', 'Occupied'],
    ]);
    assert.equal(timeline.events('CP-2')[0]!.connectorId, 2);
    assert.equal(timeline.events('CP-2')[1]!.detail, 'EVDisconnected');
  });

  it('a message that failed (it comes again) or never became a CALL is no event', () => {
    const timeline = new ChargerTimeline({ perCharger: 20, chargers: 10 });
    timeline.onExchange(exchange('CP-3', 'StatusNotification', status(1, 'Charging'), {}, 'error'));
    timeline.onExchange(exchange('CP-3', 'StartTransaction', undefined, {}, 'gateway'));
    assert.deepEqual(timeline.events('CP-3'), []);
    assert.equal(timeline.chargers, 0);
  });

  it('keeps the newest perCharger events, and the chargers with the most recent events', () => {
    const timeline = new ChargerTimeline({ perCharger: 3, chargers: 2 });
    for (const s of ['Available', 'Preparing', 'Charging', 'Finishing', 'Available'])
      timeline.onExchange(exchange('CP-A', 'StatusNotification', status(1, s)));
    assert.deepEqual(
      timeline.events('CP-A').map((e) => e.status),
      ['Available', 'Finishing', 'Charging'],
    );
    assert.equal(timeline.events('CP-A', 1).length, 1);
    timeline.onExchange(exchange('CP-B', 'StatusNotification', status(1, 'Available')));
    timeline.onExchange(exchange('CP-A', 'StatusNotification', status(1, 'Preparing')));
    timeline.onExchange(exchange('CP-C', 'StatusNotification', status(1, 'Available')));
    assert.equal(timeline.chargers, 2);
    assert.deepEqual(timeline.events('CP-B'), [], 'the charger without recent events went first');
    assert.equal(timeline.events('CP-A')[0]!.status, 'Preparing');
  });

  it('CSMS connections seen at samples: opened, dropped (when and why), dropped and opened again in between', () => {
    const timeline = new ChargerTimeline({ perCharger: 20, chargers: 10 });
    const connection = { isOpen: false } as {
      isOpen: boolean;
      connectedAt?: string;
      lastError?: { message: string; at: string };
    };
    timeline.connectionSeen('CP-4', connection, Date.parse('2026-01-01T00:00:00Z'));
    assert.deepEqual(timeline.events('CP-4'), [], 'never open: nothing to say yet');
    Object.assign(connection, { isOpen: true, connectedAt: '2026-01-01T00:00:03.000Z' });
    timeline.connectionSeen('CP-4', connection);
    timeline.connectionSeen('CP-4', connection);
    Object.assign(connection, {
      isOpen: false,
      lastError: { message: 'closed with code 1006', at: '2026-01-01T00:00:15.000Z' },
    });
    timeline.connectionSeen('CP-4', connection);
    timeline.connectionSeen('CP-4', connection);
    Object.assign(connection, { isOpen: true, connectedAt: '2026-01-01T00:00:21.000Z', lastError: undefined });
    timeline.connectionSeen('CP-4', connection);
    Object.assign(connection, { connectedAt: '2026-01-01T00:00:35.000Z' });
    timeline.connectionSeen('CP-4', connection, Date.parse('2026-01-01T00:00:40Z'));
    assert.deepEqual(
      timeline.events('CP-4').map((e) => [e.at.slice(11, 19), e.kind, e.detail]),
      [
        ['00:00:35', 'csms-open', undefined],
        ['00:00:35', 'csms-drop', 'dropped and opened again'],
        ['00:00:21', 'csms-open', undefined],
        ['00:00:15', 'csms-drop', 'closed with code 1006'],
        ['00:00:03', 'csms-open', undefined],
      ],
    );
  });
});
