import type { RunningGateway } from './gateway-harness.js';

/**
 * One admin API request: an object body is sent as JSON, a string as it is; `type` is its Content-Type. The answer's
 * status, its text, and its JSON when it is JSON.
 */
export async function adminCall(
  gw: RunningGateway,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${gw.adminUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** The value of one series in Prometheus text format, or undefined. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const [series, value] = line.split(' ');
    if (series!.replace(/\{.*/, '') !== name) continue;
    if (want.every((w) => series!.includes(w))) return Number(value);
  }
  return undefined;
}
