/**
 * Loaded with `--import` into a gateway process (test/integration/idle-modules.test.ts): records every module the
 * process loads, ES modules through a load hook and CommonJS ones (which a CommonJS package loads with `require`, past
 * the hook) from `require.cache`, and on SIGUSR2 writes their URLs as a JSON array to MODULE_PROBE_FILE.
 */
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

/** The hook runs on the loader's own thread: it posts each URL back over a port. */
const HOOKS = `let port;
export function initialize(data) { port = data.port; }
export async function load(url, context, next) { port.postMessage(url); return next(url, context); }`;

const loaded = new Set<string>();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url: string) => loaded.add(url));
port1.unref();
register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { port: port2 }, transferList: [port2] });

const require = createRequire(import.meta.url);
process.on('SIGUSR2', () => {
  const required = Object.keys(require.cache).map((path) => pathToFileURL(path).href);
  writeFileSync(process.env.MODULE_PROBE_FILE!, JSON.stringify([...loaded, ...required]));
});
