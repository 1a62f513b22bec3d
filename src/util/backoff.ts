/** Redelivery and retries: 1 s doubling to 30 s, with jitter, so a returning peer is not stampeded. */
export function retryDelayMs(attempt: number): number {
  const cap = Math.min(30_000, 1_000 * 2 ** attempt);
  return cap / 2 + Math.random() * (cap / 2);
}

/** Resolves after `ms`, or at once when `signal` is aborted (the gateway stops). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
