/**
 * Makes node's `Buffer` and `process` globals plain values (docs/architecture.md, "Design choices": node's globals
 * as values).
 *
 * Node defines both on the global object as a getter and a setter around a variable of its own. V8 cannot fold an
 * accessor into the code it optimises, so every read of either global calls the getter through the global load's
 * inline cache: about 7 ns a read, in a loop that does nothing else. ioredis reads `Buffer` several times
 * for every argument of every command it writes, which made these reads about 2.5% of a message in the Redis mode.
 * A data property holding the same value reads the same for every caller, and a write to it still replaces it, as the
 * setter did. A global that is not such a configurable getter and setter is left as it is.
 */
export function plainNodeGlobals(): void {
  for (const name of ['Buffer', 'process'] as const) {
    const property = Object.getOwnPropertyDescriptor(globalThis, name);
    if (property?.get === undefined || property.set === undefined || !property.configurable) continue;
    Object.defineProperty(globalThis, name, {
      value: property.get.call(globalThis),
      writable: true,
      enumerable: property.enumerable ?? false,
      configurable: true,
    });
  }
}
