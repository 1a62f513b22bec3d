import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { TestCsms } from './csms-peer.js';
import { GatewayProcess, RedisProcess } from './processes.js';
import { envelope, post, responseFields, type SoapReply } from './soap.js';

/**
 * What the durability suites (test/e2e/durability-*.test.ts) share: one strict CSMS that can be stopped and started
 * again on the same port (its record of calls kept across), and gateway processes for one storage mode, restartable
 * on the same DATA_DIR (embedded) or the same Redis (redis).
 */
export type StorageMode = 'embedded' | 'redis';
export const MODES: StorageMode[] = ['embedded', 'redis'];

export class DurabilityLab {
  readonly csms = new TestCsms();
  readonly dir = mkdtempSync(join(tmpdir(), 'gw-durability-'));
  redis?: RedisProcess;
  private csmsPort = 0;

  constructor(readonly mode: StorageMode) {}

  async start(): Promise<this> {
    await this.csms.start();
    this.csmsPort = this.csms.port;
    if (this.mode === 'redis') this.redis = await new RedisProcess().start();
    return this;
  }

  /** The CSMS goes away: its listener and every WebSocket closed. */
  async csmsDown(): Promise<void> {
    await this.csms.stop();
  }

  /** The CSMS comes back on the same address, with the same handlers and its record of calls. */
  async csmsUp(): Promise<void> {
    await this.csms.start(this.csmsPort);
  }

  /** A fresh store location: a data directory (embedded) or a Redis key prefix (redis). */
  newStore(): string {
    return this.mode === 'embedded' ? mkdtempSync(join(this.dir, 'data-')) : `gwdur-${randomUUID().slice(0, 8)}`;
  }

  /** A gateway process on `store` (see newStore): a second one on the same store is a restart. */
  gateway(name: string, store: string, extra: Record<string, string> = {}): GatewayProcess {
    const env: Record<string, string> = {
      CSMS_URL: `ws://127.0.0.1:${this.csmsPort}/ocpp`,
      ADMISSION: 'auto-accept',
      LOG_LEVEL: 'info',
      // The default, stated: answers "at once" must not come from a short CSMS timeout.
      CSMS_TIMEOUT_MS: '20000',
      WS_PING_INTERVAL_SEC: '0',
      RECONNECT_MIN_MS: '100',
      RECONNECT_MAX_MS: '500',
      ...(this.mode === 'embedded'
        ? { DATA_DIR: store }
        : { REDIS_URL: this.redis!.url, REDIS_PREFIX: store, PARTITIONS: '4', LEASE_TTL_MS: '2000' }),
      ...extra,
    };
    return new GatewayProcess(env, `${this.mode}-${name}`);
  }

  async stop(): Promise<void> {
    await this.csms.stop();
    await this.redis?.stop();
  }
}

export interface TimedReply {
  reply: SoapReply;
  ms: number;
}

/** One SOAP request of a charger (its own MessageID), with the time its answer took. */
export async function timedSend(url: string, identity: string, body: string, from?: string): Promise<TimedReply> {
  const started = performance.now();
  const reply = await post(url, envelope(body, { identity, messageId: `urn:uuid:${randomUUID()}`, from }));
  return { reply, ms: performance.now() - started };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** OCPP 1.5 request bodies (inner XML of the SOAP Body, `cs:` prefix). */
export const body = {
  boot: () =>
    '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>',
  authorize: (tag: string) => `<cs:authorizeRequest><cs:idTag>${tag}</cs:idTag></cs:authorizeRequest>`,
  start: (tag: string, timestamp: string, meterStart: number) =>
    `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>${tag}</cs:idTag><cs:timestamp>${timestamp}</cs:timestamp><cs:meterStart>${meterStart}</cs:meterStart></cs:startTransactionRequest>`,
  meter: (transactionId: number, timestamp: string, value: number) =>
    `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${transactionId}</cs:transactionId><cs:values><cs:timestamp>${timestamp}</cs:timestamp><cs:value>${value}</cs:value></cs:values></cs:meterValuesRequest>`,
  stop: (transactionId: number, timestamp: string, meterStop: number) =>
    `<cs:stopTransactionRequest><cs:transactionId>${transactionId}</cs:transactionId><cs:timestamp>${timestamp}</cs:timestamp><cs:meterStop>${meterStop}</cs:meterStop></cs:stopTransactionRequest>`,
};

/** The first (only) sampled value and timestamp of a MeterValues CALL as the CSMS received it. */
export function sample(payload: Record<string, unknown>): { timestamp: string; value: string } {
  const mv = (payload.meterValue as { timestamp: string; sampledValue: { value: string }[] }[])[0]!;
  return { timestamp: mv.timestamp, value: mv.sampledValue[0]!.value };
}

/** GET/POST JSON on a gateway's admin port (no ADMIN_TOKEN: open). */
export async function admin(
  gw: GatewayProcess,
  path: string,
  init?: { method: 'POST'; json?: object },
): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`http://127.0.0.1:${gw.adminPort}${path}`, {
    method: init?.method ?? 'GET',
    headers: init?.json ? { 'Content-Type': 'application/json' } : undefined,
    body: init?.json ? JSON.stringify(init.json) : undefined,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** `n` minutes after the ISO time `base`, as ISO text. */
export const minute = (base: string, n: number) => new Date(Date.parse(base) + n * 60_000).toISOString();

/** A field of the SOAP answer's `element`, as text. */
export const fieldOf = (t: TimedReply, element: string, name: string) =>
  responseFields(t.reply, element).find(([n]) => n === name)?.[1];

/** The message was acknowledged (HTTP 200); the failure names the gateway's log file. */
export function assertAcknowledged(t: TimedReply, what: string, log: string): void {
  assert.equal(
    t.reply.status,
    200,
    `${what}: HTTP ${t.reply.status} (${t.reply.text.slice(0, 200)}); gateway log: ${log}`,
  );
}

/** Lines of figures the suite's tests push, printed once after them. */
export function durabilityFigures(): string[] {
  const figures: string[] = [];
  after(() => {
    if (figures.length === 0) return;
    console.log('\ndurability figures');
    for (const line of figures) console.log(`  ${line}`);
  });
  return figures;
}

/**
 * A lab for `mode`, started before the suite's tests and stopped after them with every gateway process that
 * `start` started, so that a failing test leaves no process behind.
 */
export function durabilityLab(mode: StorageMode): {
  lab: DurabilityLab;
  start: (gw: GatewayProcess) => Promise<GatewayProcess>;
} {
  const lab = new DurabilityLab(mode);
  const running: GatewayProcess[] = [];
  before(() => lab.start());
  after(async () => {
    for (const gw of running) await gw.stop();
    await lab.stop();
    rmSync(lab.dir, { recursive: true, force: true });
  });
  return {
    lab,
    start: async (gw) => {
      running.push(gw);
      return gw.start();
    },
  };
}
