import { randomFillSync } from 'node:crypto';

/** Random bytes for this many ids are drawn at once (one system call per batch, as node's randomUUID does). */
const BATCH = 256;
/** The two hex digits of each byte value, as character codes: byte b's at 2b and 2b + 1. */
const HEX = Uint8Array.from({ length: 512 }, (_, i) => ((i & 1 ? i >> 1 : i >> 5) & 15).toString(16).charCodeAt(0));
/** Where each of the 16 bytes goes in `xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx`. */
const AT = Uint8Array.from([0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]);

const random = Buffer.alloc(16 * BATCH);
let used = BATCH;
const text = Buffer.from('00000000-0000-4000-8000-000000000000', 'latin1');

/**
 * A random (version 4) UUID, as one flat string.
 *
 * Why not `crypto.randomUUID()` (bench/README.md, heap profiles): node builds that text by concatenating 20 pieces, and
 * V8 keeps the result as a tree of cons strings until something flattens it. A job id outlives a young-generation
 * collection (the message trace and the queue keep it), so each one carried its tree, several hundred bytes, into the
 * old generation: the largest item the gateway promoted per message. Here the 36 characters are written into a buffer
 * and read out in one call, which makes a flat string of 36 bytes; the gateway's message ids are made here too.
 */
export function newId(): string {
  if (used === BATCH) {
    randomFillSync(random);
    used = 0;
  }
  const from = 16 * used++;
  for (let i = 0; i < 16; i++) {
    let byte = random[from + i]!;
    if (i === 6)
      byte = (byte & 0x0f) | 0x40; // version 4
    else if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 9562 variant
    const at = AT[i]!;
    text[at] = HEX[2 * byte]!;
    text[at + 1] = HEX[2 * byte + 1]!;
  }
  return text.toString('latin1');
}
