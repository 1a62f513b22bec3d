/**
 * Orders two strings by their UTF-16 code units, as `<` does. The timestamps the gateway writes are all
 * `Date.toISOString()` texts (UTC, one fixed format), so this order is their order in time.
 *
 * Why not `localeCompare`: the first call in a process builds an ICU collator, which reads the collation data (about
 * 5 ms and 3.7 MiB of RSS; docs/architecture.md, "Design choices"), and a collation order is not code-point order.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
