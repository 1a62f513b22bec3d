import { ConfigError, loadConfig } from './config/config.js';
import { Gateway } from './gateway.js';
import { StoreError } from './state/sqlite-store.js';
import { createLogger } from './util/log.js';
import { plainNodeGlobals } from './util/node-globals.js';
import { keepTickObjectShape } from './util/tick-objects.js';

/** `npm start`: configuration from the environment and config/gateway.yaml, then run until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  // First, before the start's collections can free the classes of node's tick entries (docs/architecture.md).
  keepTickObjectShape();
  plainNodeGlobals();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ocpp-soap-gateway: ${err.message}\nSee README.md, "Configuration".\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let gateway: Gateway;
  try {
    gateway = await Gateway.create(config, logger);
  } catch (err) {
    if (err instanceof StoreError) {
      process.stderr.write(`ocpp-soap-gateway: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // The file's chargers again, without a restart (README.md, "Adding and changing chargers").
  process.on('SIGHUP', () => void gateway.fleetSettings?.reloadFile());
  await gateway.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`ocpp-soap-gateway failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
