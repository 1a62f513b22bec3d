import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextRing } from '../../../src/admin/text-ring.js';

describe('TextRing (the trace texts, outside the JS heap)', () => {
  it('gives back what was put, multi-byte characters included', () => {
    const ring = new TextRing(1024);
    const texts = ['<soap:Envelope/>', '', '{"idTag":"Müller-ß-€-😀"}'];
    const handles = texts.map((t) => ring.put(t));
    assert.deepEqual(
      handles.map((h) => ring.get(h)),
      texts,
    );
  });

  it('counts the bytes written at least once, up to the capacity (the resident part)', () => {
    const ring = new TextRing(256);
    assert.equal(ring.touchedBytes, 0);
    ring.put('x'.repeat(60));
    assert.equal(ring.touchedBytes, 64);
    for (let i = 0; i < 5; i++) ring.put('y'.repeat(60));
    assert.equal(ring.touchedBytes, 256, 'a full ring is resident as a whole, however much more is written');
  });

  it('forgets the oldest texts once newer ones have filled the buffer, and only those', () => {
    const ring = new TextRing(256);
    // 4 + 60 bytes each: four fit in 256 bytes; the fifth starts again at 0, over the first.
    const text = (n: number) => String(n).padStart(60, '.');
    const handles = [1, 2, 3, 4].map((n) => ring.put(text(n)));
    assert.deepEqual(
      handles.map((h) => ring.get(h)),
      [1, 2, 3, 4].map(text),
    );
    const fifth = ring.put(text(5));
    assert.equal(ring.get(handles[0]!), undefined, 'the first was written over');
    assert.deepEqual(
      handles.slice(1).map((h) => ring.get(h)),
      [2, 3, 4].map(text),
      'the others are intact',
    );
    assert.equal(ring.get(fifth), text(5));
    const sixth = ring.put(text(6));
    assert.equal(ring.get(handles[1]!), undefined);
    assert.equal(ring.get(handles[2]!), text(3));
    assert.equal(ring.get(sixth), text(6));
  });

  it('skips the end of the buffer that a text does not fit in, and counts it as written', () => {
    const ring = new TextRing(100);
    const a = ring.put('a'.repeat(20)); // bytes 0-23
    const b = ring.put('b'.repeat(20)); // 24-47
    const c = ring.put('c'.repeat(20)); // 48-71
    const d = ring.put('d'.repeat(20)); // 72-95
    const e = ring.put('e'.repeat(20)); // 4 bytes left: skipped, starts at 0 (over a)
    assert.deepEqual(
      [a, b, c, d].map((h) => ring.get(h)?.[0]),
      [undefined, 'b', 'c', 'd'],
    );
    assert.equal(ring.get(e), 'e'.repeat(20));
    assert.equal(e, 100, 'the handle counts the skipped end');
    ring.put('f'.repeat(20)); // 24-47, over b
    assert.equal(ring.get(b), undefined);
    assert.equal(ring.get(c), 'c'.repeat(20));
  });

  it('cuts a text longer than a quarter of the buffer, and says so', () => {
    const ring = new TextRing(1024);
    const kept = ring.get(ring.put('x'.repeat(5_000)))!;
    assert.ok(Buffer.byteLength(kept) <= ring.maxTextBytes, `${Buffer.byteLength(kept)} bytes`);
    assert.match(kept, /^x+\.\.\. \[cut: 5000 bytes\]$/);
    const wide = ring.get(ring.put('€'.repeat(1_000)))!; // 3 bytes a character
    assert.ok(Buffer.byteLength(wide) <= ring.maxTextBytes);
    assert.match(wide, /^€+\.\.\. \[cut: 3000 bytes\]$/);
  });

  it('answers undefined for a handle it never gave, and refuses a buffer too small to use', () => {
    const ring = new TextRing(128);
    assert.equal(ring.get(0), undefined);
    ring.put('x');
    assert.equal(ring.get(5), undefined);
    assert.equal(ring.get(-1), undefined);
    assert.throws(() => new TextRing(10), RangeError);
  });
});
