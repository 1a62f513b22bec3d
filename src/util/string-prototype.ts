/**
 * Turns String.prototype back into a fast object after a module subclassed String (docs/architecture.md, "Design
 * choices": string methods after the Redis modules load).
 *
 * A class that extends String (ioredis defines one for RESP3 verbatim strings when it loads) makes V8 put
 * String.prototype into dictionary mode. Code that V8 optimises while it is in that mode looks up every string method
 * it calls (`charCodeAt`, `slice`, `indexOf`) through the generic inline cache, and keeps doing so after the prototype
 * is fast again, because nothing makes V8 compile that code anew: the XML parser took twice as long per envelope. V8
 * makes a prototype fast again when an inline cache that has its feedback reads a property through it from an
 * ordinary object; reads from a string primitive do not. Harmless when the prototype is already fast.
 */
export function restoreFastStringPrototype(): void {
  const probe: unknown = Object.create(String.prototype);
  // V8 gives a function its feedback (and so its inline caches) after a few calls; 64 is well past that.
  for (let i = 0; i < 64; i++) readCharCodeAt(probe);
}

function readCharCodeAt(probe: unknown): unknown {
  return (probe as { charCodeAt: unknown }).charCodeAt;
}

/**
 * A copy of `text` that keeps nothing else alive, for a string kept long after the message it came from (a cache key,
 * a charger's callback URL). V8 makes a slice of 13 characters or more a view into the string it was cut from, so one
 * field of a parsed envelope keeps the whole envelope, and a string joined from such slices keeps them all
 * (docs/architecture.md, "Design choices": strings kept per charger). The UTF-16 round trip copies every code unit as
 * it is, lone surrogates included, and V8 stores the result in one byte per character when it can.
 */
export function ownCopy(text: string): string {
  return text.length < 13 ? text : Buffer.from(text, 'utf16le').toString('utf16le');
}
