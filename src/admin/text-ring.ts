/**
 * A fixed amount of UTF-8 text kept outside the JavaScript heap, newest over oldest: the message trace's store.
 *
 * Why not strings on the heap (bench/README.md, heap profiles): a trace record lives far longer than a young-generation
 * collection,
 * so every message's texts were promoted to the old generation and became old garbage when the record was dropped.
 * At 3,000 messages/s that was about 2.4 KB per message, a full mark-compact every few seconds, and each one a stall
 * of 30-50 ms on a 2-core machine (the p99 at half load). Here the bytes are copied into one buffer allocated at start;
 * a record keeps a number per text.
 *
 * Layout: each text is a 4-byte little-endian length and its bytes, written at the next free position; a text that
 * does not fit before the end starts again at 0. A handle is the text's absolute position (bytes written before it,
 * counting the skipped ends), so `handle % capacity` is where it is, and it is still there while fewer than
 * `capacity` bytes have been written since. Absolute positions stay exact integers up to 2^53 bytes.
 */
export class TextRing {
  private readonly bytes: Buffer;
  /** Absolute position of the next write; `written % capacity` is its place in `bytes`. */
  private written = 0;
  /** Longest text kept whole; a longer one is cut (a quarter of the buffer: one text cannot evict all the others). */
  readonly maxTextBytes: number;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 64)
      throw new RangeError(`text ring capacity must be an integer of at least 64 bytes, got ${capacity}`);
    // Not zero-filled: pages are only resident once written, and nothing is read that was not written (see get).
    this.bytes = Buffer.allocUnsafeSlow(capacity);
    this.maxTextBytes = Math.floor(capacity / 4);
  }

  /** Copies `text` in and returns its handle. A text over `maxTextBytes` is cut, with a note saying so. */
  put(text: string): number {
    // A UTF-16 unit is at most 3 UTF-8 bytes. When that many fit before the end, the text is written at once and its
    // length is what the write reports: no separate pass to measure it first (the common case, by far).
    const at = this.written % this.capacity;
    if (text.length * 3 <= this.maxTextBytes && at + 4 + text.length * 3 <= this.capacity) {
      const length = this.bytes.write(text, at + 4, 'utf8');
      this.bytes.writeUInt32LE(length, at);
      const handle = this.written;
      this.written += 4 + length;
      return handle;
    }
    return this.putMeasured(text);
  }

  /** `put` for a text that may not fit before the end, or may have to be cut. */
  private putMeasured(text: string): number {
    let length = Buffer.byteLength(text);
    if (length > this.maxTextBytes) {
      // A UTF-16 unit is at most 3 UTF-8 bytes, so this many units always fit with the note.
      text = `${text.slice(0, Math.floor(this.maxTextBytes / 3) - 16)}... [cut: ${length} bytes]`;
      length = Buffer.byteLength(text);
    }
    let at = this.written % this.capacity;
    if (at + 4 + length > this.capacity) {
      this.written += this.capacity - at;
      at = 0;
    }
    const handle = this.written;
    this.bytes.writeUInt32LE(length, at);
    this.bytes.write(text, at + 4, length, 'utf8');
    this.written += 4 + length;
    return handle;
  }

  /**
   * Bytes of the buffer written at least once: the part that is resident memory (pages come in as they are first
   * written, and stay), growing with traffic until it is the whole capacity.
   */
  get touchedBytes(): number {
    return Math.min(this.written, this.capacity);
  }

  /**
   * The text stored under `handle`, or undefined once newer texts have been written over it. A later write reaches
   * the text's first byte only after `capacity` bytes (the buffer's whole length) have been written from there.
   */
  get(handle: number): string | undefined {
    if (handle < 0 || handle + this.capacity < this.written || handle >= this.written) return undefined;
    const at = handle % this.capacity;
    const length = this.bytes.readUInt32LE(at);
    return this.bytes.toString('utf8', at + 4, at + 4 + length);
  }
}
