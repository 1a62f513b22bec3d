import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs `body` (an ES module's text, TypeScript imports allowed) in a fresh node with V8's natives syntax and returns
 * what it printed. Natives calls belong in `new Function` texts, so that the loader's TypeScript transform never reads
 * them. `prelude` is put before the body (helpers the body calls); `nodeFlags` are more of node's and V8's flags.
 */
export async function inFreshNode(
  body: string,
  env: Record<string, string> = {},
  prelude = '',
  nodeFlags: string[] = [],
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--allow-natives-syntax', ...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', `${prelude}\n${body}`],
    { env: { ...process.env, ...env }, timeout: 60_000 },
  );
  return stdout.trim();
}
