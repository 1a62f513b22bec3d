import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type GatewayConfig } from '../../src/config/config.js';
import { Gateway, type GatewayObservers } from '../../src/gateway.js';
import { createLogger } from '../../src/util/log.js';
import { deleteKeysWithPrefix } from './redis-keys.js';

export const REDIS_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

/**
 * embedded: the in-process queue; redis: Redis and BullMQ as configured by default (direct delivery on); redis-jobs:
 * Redis with direct delivery off, so that every message is a BullMQ job as it is under heavy load.
 */
export type QueueMode = 'embedded' | 'redis' | 'redis-jobs';
export const QUEUE_MODES: QueueMode[] = ['embedded', 'redis', 'redis-jobs'];

export interface RunningGateway {
  gateway: Gateway;
  config: GatewayConfig;
  soapUrl: string;
  baseUrl: string;
  adminUrl: string;
  stop(): Promise<void>;
}

/** A gateway on ephemeral loopback ports, with its own Redis key prefix so runs never share state. */
export async function startGateway(
  mode: QueueMode,
  csmsUrl: string,
  overrides: Record<string, unknown> = {},
  observers?: GatewayObservers,
  /** When given, every log line (at debug and above) is collected here instead of written out. */
  logLines?: string[],
): Promise<RunningGateway> {
  const config = loadConfig(
    { CONFIG: '' },
    {
      csmsUrl,
      port: 0,
      host: '127.0.0.1',
      adminPort: 0,
      logLevel: logLines ? 'debug' : (process.env.TEST_LOG_LEVEL ?? 'silent'),
      wsPingIntervalSec: 0,
      reconnectMinMs: 50,
      reconnectMaxMs: 500,
      partitions: 4,
      admission: 'auto-accept',
      // Embedded: the durable store on real files, in a directory of the test's own.
      ...(mode === 'embedded'
        ? { dataDir: mkdtempSync(join(tmpdir(), 'gw-data-')) }
        : { redisUrl: REDIS_URL, redisPrefix: `gwtest-${randomUUID().slice(0, 8)}`, directDelivery: mode === 'redis' }),
      ...overrides,
    },
  );
  const sink = logLines && { write: (line: string) => void logLines.push(line) };
  const gateway = await Gateway.create(config, createLogger(config.logLevel, sink), observers);
  const { soapPort, adminPort } = await gateway.start();
  const baseUrl = `http://127.0.0.1:${soapPort}`;
  return {
    gateway,
    config,
    baseUrl,
    soapUrl: `${baseUrl}/CentralSystemService`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    stop: async () => {
      await gateway.stop();
      if (mode !== 'embedded') await deleteKeysWithPrefix(REDIS_URL, config.redisPrefix);
      else if (config.store === 'sqlite' && !overrides.dataDir)
        rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
