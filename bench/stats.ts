/**
 * The benchmark's statistics, pure: medians of rounds, and added latency from paired rounds.
 */

/** A row's result against its target, as every table row prints it. */
export const check = (ok: boolean) => (ok ? 'met' : 'MISSED');

export const median = (values: number[]): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** One percentile per window, one window per round. */
export interface Windows {
  p50: number[];
  p99: number[];
}

/**
 * The gateway's added latency from paired rounds: in each round, its percentile minus both baselines' percentiles in
 * that same round; the figure is the median of those differences. A stall that lasts longer than a window moves one
 * round's difference, not the median, as long as fewer than half of the rounds are hit.
 */
export function pairedAdded(
  gateway: Windows,
  bareSoap: Windows,
  bareJson: Windows,
): { added: Windows; p50: number; p99: number } {
  const rounds = gateway.p50.length;
  for (const w of [gateway, bareSoap, bareJson]) {
    if (w.p50.length !== rounds || w.p99.length !== rounds)
      throw new Error('paired rounds need one window of each kind per round');
  }
  const minus = (pick: (w: Windows) => number[]) =>
    pick(gateway).map((g, i) => g - pick(bareSoap)[i]! - pick(bareJson)[i]!);
  const added = { p50: minus((w) => w.p50), p99: minus((w) => w.p99) };
  return { added, p50: median(added.p50), p99: median(added.p99) };
}
