import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasZone, isoTime, parseIsoTime, parseIsoTimeIn } from '../../src/util/iso-time.js';

describe('isoTime', () => {
  it('matches toISOString across days, leap days, centuries and the ends of the fast range', () => {
    const edges = [
      0,
      1,
      999,
      86_399_999,
      86_400_000,
      Date.parse('2024-02-29T23:59:59.999Z'),
      Date.parse('2024-03-01T00:00:00.000Z'),
      Date.parse('2000-02-29T12:00:00.000Z'),
      Date.parse('2100-03-01T00:00:00.000Z'),
      Date.parse('9999-12-31T23:59:59.999Z'),
      1_700_000_000_123.9,
    ];
    for (const ms of edges) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  });

  it('matches toISOString for random times, in and out of order', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(next() * 253_402_300_800_000);
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
      assert.equal(isoTime(ms + 1), new Date(ms + 1).toISOString(), 'the same day again');
    }
  });

  it('matches toISOString when a few seconds come in turn (the seconds it keeps formatted)', () => {
    let seed = 11;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const seconds = [1_700_000_000, 1_700_000_001, 1_714_564_800, 0, 253_402_300_799];
    for (let i = 0; i < 5_000; i++) {
      const ms = seconds[Math.floor(next() * seconds.length)]! * 1000 + Math.floor(next() * 1000);
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    }
  });

  it('leaves times outside 1970 to 9999 to V8, errors included', () => {
    for (const ms of [-1, -86_400_001, 253_402_300_800_000, 8.64e15])
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    assert.throws(() => isoTime(Number.NaN), RangeError);
  });
});

describe('parseIsoTime', () => {
  const same = (text: string) =>
    assert.ok(
      Object.is(parseIsoTime(text), Date.parse(text)),
      `${text}: ${parseIsoTime(text)} against Date.parse ${Date.parse(text)}`,
    );

  it('reads what Date.parse reads, edge cases included', () => {
    for (const text of [
      '2024-05-01T12:00:00Z',
      '2024-05-01T12:00:00.1Z',
      '2024-05-01T12:00:00.123456Z',
      '2024-05-01T12:00:00.9999Z',
      '2024-02-30T00:00:00Z', // past the month's end: 1 March, as V8 has it
      '2023-02-29T00:00:00Z',
      '2000-02-29T23:59:59.999Z',
      '1969-12-31T23:59:59.999Z',
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59.999Z',
      '2024-05-01T12:00:00+02:00',
      '2024-05-01T12:00:00-11:30',
      '2024-05-01T12:00:00+23:59',
      // Read by Date.parse in its own way or refused: the fast path leaves them to it.
      '2024-05-01T24:00:00Z',
      '2024-05-01T12:00:60Z',
      '2024-05-01T12:00:00+24:00',
      '2024-05-01T12:00:00+02:60',
      '2024-05-01t12:00:00z',
      '2024-05-01T12:00:00.Z',
      '2024-05-01T12:00Z',
      '2024-13-01T12:00:00Z',
      '2024-05-00T12:00:00Z',
      '2024-05-01T12:00:00+0200',
      '2024-05-01T12:00:00 Z',
      '2024-05-01T12:00:00',
      '+002024-05-01T12:00:00Z',
      '2024-05-01T12:00:00,5Z',
      'not a time at all, but long',
      '',
    ])
      same(text);
  });

  it('reads what Date.parse reads for random texts, well formed or not', () => {
    let seed = 11;
    const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const pad = (v: number, width: number) => String(v).padStart(width, '0');
    for (let i = 0; i < 20_000; i++) {
      const year = next(10) < 8 ? 1960 + next(100) : next(10_000);
      let text = `${pad(year, 4)}-${pad(next(14), 2)}-${pad(next(33), 2)}T${pad(next(26), 2)}:${pad(next(61), 2)}:${pad(next(62), 2)}`;
      const fraction = next(4);
      if (fraction === 1) text += `.${String(next(1_000_000)).slice(0, 1 + next(6))}`;
      if (fraction === 2) text += '.';
      const zone = next(5);
      if (zone <= 1) text += 'Z';
      else if (zone === 2) text += `${next(2) ? '+' : '-'}${pad(next(26), 2)}:${pad(next(62), 2)}`;
      else if (zone === 3) text += `+${pad(next(24), 2)}${pad(next(60), 2)}`;
      if (next(20) === 0) {
        const at = next(text.length);
        text = text.slice(0, at) + 'x0:-.Z '[next(7)] + text.slice(at + 1);
      }
      same(text);
    }
  });
});

describe('hasZone', () => {
  it('says what the pattern Z or ±HH:MM at the end says', () => {
    const pattern = /(Z|[+-]\d{2}:\d{2})$/;
    const texts = [
      '2024-05-01T12:00:00Z',
      '2024-05-01T12:00:00',
      '2024-05-01T12:00:00+02:00',
      '2024-05-01T12:00:00-11:30',
    ];
    texts.push('12:00:00+2:00', '+02:0x', '-99:99', 'Z', '', 'z', '2024-05-01T12:00:00+0200', 'a+02:00', '+02:00 ');
    let seed = 5;
    const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    for (let i = 0; i < 5_000; i++) texts.push(Array.from({ length: next(9) }, () => '0Z+-:9 a'[next(8)]).join(''));
    for (const text of texts) assert.equal(hasZone(text), pattern.test(text), JSON.stringify(text));
  });
});

describe('parseIsoTimeIn', () => {
  it('reads a time without a zone in the zone given, and one with a zone in its own', () => {
    assert.equal(parseIsoTimeIn('2024-05-01T12:00:00', '+02:00'), Date.parse('2024-05-01T10:00:00Z'));
    assert.equal(parseIsoTimeIn('2024-05-01T12:00:00.5', 'Z'), Date.parse('2024-05-01T12:00:00.500Z'));
    assert.equal(parseIsoTimeIn('2024-05-01T12:00:00-01:00', '+02:00'), Date.parse('2024-05-01T13:00:00Z'));
    assert.equal(parseIsoTimeIn('2024-05-01T12:00:00Z', '+02:00'), Date.parse('2024-05-01T12:00:00Z'));
    assert.ok(Number.isNaN(parseIsoTimeIn('yesterday', 'Z')));
  });
});
