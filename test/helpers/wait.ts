export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every 20 ms until it holds; fails naming `what` after `ms`. Timed on the monotonic clock: a step of
 * the wall clock (a VM syncing its time) must not end the wait early.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 8_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what} (${ms} ms)`);
    await sleep(20);
  }
}
