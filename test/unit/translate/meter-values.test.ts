import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unitTo16 } from '../../../src/translate/dialects/meter-values.js';
import { meterValues } from './pair-15-16.js';
import { check16 } from '../../../src/ocpp/v16/protocol.js';
import { ctx, state } from './helpers.js';

describe('MeterValues (docs/translation.md#metervalues)', () => {
  it('translates the map example exactly, with no invented defaults', () => {
    const out = meterValues.toCall(
      {
        connectorId: 1,
        values: [
          {
            timestamp: '2024-05-01T12:00:00Z',
            value: [{ $value: '16.1', unit: 'Amp', measurand: 'Current.Import' }, { $value: '12345' }],
          },
        ],
      },
      state(),
      ctx(),
    );
    assert.deepEqual(out, {
      kind: 'call',
      payload: {
        connectorId: 1,
        meterValue: [
          {
            timestamp: '2024-05-01T12:00:00.000Z',
            sampledValue: [{ value: '16.1', measurand: 'Current.Import', unit: 'A' }, { value: '12345' }],
          },
        ],
      },
    });
    if (out.kind === 'call') assert.ok(check16('MeterValues', 'req', out.payload).ok);
  });

  const units: [string, string][] = [
    ['Wh', 'Wh'],
    ['kWh', 'kWh'],
    ['varh', 'varh'],
    ['kvarh', 'kvarh'],
    ['W', 'W'],
    ['kW', 'kW'],
    ['var', 'var'],
    ['kvar', 'kvar'],
    ['Amp', 'A'],
    ['Volt', 'V'],
    ['Celsius', 'Celcius'],
  ];
  for (const [from, to] of units) {
    it(`unit ${from} -> ${to}, valid under the 1.6 schema`, () => {
      assert.equal(unitTo16(from, ctx()), to);
      const payload = {
        connectorId: 1,
        meterValue: [{ timestamp: '2024-05-01T12:00:00.000Z', sampledValue: [{ value: '1', unit: to }] }],
      };
      assert.ok(check16('MeterValues', 'req', payload).ok);
    });
  }

  it('Celsius spelling follows configuration', () => {
    assert.equal(unitTo16('Celsius', ctx({ celsiusUnit: 'Celsius' })), 'Celsius');
  });

  it('keeps every 1.5 context, format, measurand and location value, all valid in 1.6', () => {
    const sampled = [
      ...[
        'Interruption.Begin',
        'Interruption.End',
        'Sample.Clock',
        'Sample.Periodic',
        'Transaction.Begin',
        'Transaction.End',
      ].map((context) => ({ $value: '1', context })),
      ...['Raw', 'SignedData'].map((format) => ({ $value: '1', format })),
      ...[
        'Energy.Active.Export.Register',
        'Energy.Active.Import.Register',
        'Energy.Reactive.Export.Register',
        'Energy.Reactive.Import.Register',
        'Energy.Active.Export.Interval',
        'Energy.Active.Import.Interval',
        'Energy.Reactive.Export.Interval',
        'Energy.Reactive.Import.Interval',
        'Power.Active.Export',
        'Power.Active.Import',
        'Power.Reactive.Export',
        'Power.Reactive.Import',
        'Current.Export',
        'Current.Import',
        'Voltage',
        'Temperature',
      ].map((measurand) => ({ $value: '1', measurand })),
      ...['Inlet', 'Outlet', 'Body'].map((location) => ({ $value: '1', location })),
    ];
    const out = meterValues.toCall(
      { connectorId: 2, values: [{ timestamp: '2024-05-01T12:00:00Z', value: sampled }] },
      state(),
      ctx(),
    );
    assert.equal(out.kind, 'call');
    if (out.kind !== 'call') return;
    const sv = out.payload.meterValue[0]!.sampledValue;
    assert.equal(sv.length, sampled.length);
    sampled.forEach((s, i) => {
      const { $value, ...attrs } = s;
      assert.deepEqual(sv[i], { value: $value, ...attrs });
    });
    assert.ok(check16('MeterValues', 'req', out.payload).ok);
  });

  it('answers an empty values list locally (1.6 requires at least one meterValue, docs/charger-quirks.md#q14-meter-value-shapes)', () => {
    const out = meterValues.toCall({ connectorId: 1, transactionId: 5, values: [] }, state(), ctx());
    assert.equal(out.kind, 'answer');
  });

  it('drops transactionId 0 and infers a missing one from the open transaction on the connector (Q14)', () => {
    const open = state({
      transactions: {
        '42': { transactionId: 42, connectorId: 1, idTag: 'T', startedAt: 'x', idTagStatus: 'Accepted' },
      },
    });
    const v = [{ timestamp: '2024-05-01T12:00:00Z', value: [{ $value: '1' }] }];
    const zero = meterValues.toCall({ connectorId: 2, transactionId: 0, values: v }, open, ctx());
    assert.equal(zero.kind === 'call' && 'transactionId' in zero.payload, false);
    const c = ctx();
    const inferred = meterValues.toCall({ connectorId: 1, values: v }, open, c);
    assert.equal(inferred.kind === 'call' && inferred.payload.transactionId, 42);
    assert.match(c.notes[0]!, /inferred/);
  });

  it('keeps Inlet and Outlet samples and many samples with one timestamp, in order (Q14)', () => {
    const ts = '2024-05-01T12:00:00+02:00';
    const out = meterValues.toCall(
      {
        connectorId: 1,
        values: [
          {
            timestamp: ts,
            value: [
              { $value: '1', location: 'Inlet' },
              { $value: '2', location: 'Outlet' },
            ],
          },
          { timestamp: ts, value: [{ $value: '3' }] },
        ],
      },
      state(),
      ctx(),
    );
    assert.equal(out.kind, 'call');
    if (out.kind !== 'call') return;
    assert.deepEqual(
      out.payload.meterValue.map((m) => [m.timestamp, m.sampledValue.map((s) => s.value)]),
      [
        ['2024-05-01T10:00:00.000Z', ['1', '2']],
        ['2024-05-01T10:00:00.000Z', ['3']],
      ],
    );
  });

  it('reads zone-less timestamps in the configured zone', () => {
    const out = meterValues.toCall(
      { connectorId: 1, values: [{ timestamp: '2024-05-01T12:00:00', value: [{ $value: '1' }] }] },
      state(),
      ctx({ timezone: '+01:00' }),
    );
    assert.equal(out.kind === 'call' && out.payload.meterValue[0]!.timestamp, '2024-05-01T11:00:00.000Z');
  });
});
