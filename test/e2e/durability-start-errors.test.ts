import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, chmodSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TestCsms } from '../helpers/csms-peer.js';
import { assertAcknowledged, body, timedSend } from '../helpers/durability.js';
import { GatewayProcess, runGatewayToExit } from '../helpers/processes.js';

/**
 * The embedded store's start errors with real gateway processes (docs/architecture.md#delivery-semantics): a DATA_DIR
 * that cannot be written, one in use by another gateway, a damaged store file. Each exits with one line that says
 * what to do.
 */

describe('start errors of the embedded store (process level)', { timeout: 60_000, concurrency: 1 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-start-errors-'));
  const env = (dataDir: string) => ({
    CSMS_URL: 'ws://127.0.0.1:9/ocpp',
    ADMISSION: 'auto-accept',
    LOG_LEVEL: 'info',
    DATA_DIR: dataDir,
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Exit code 2, soon, one message on stderr naming `path` and matching `reason`. */
  function assertStartError(exit: Awaited<ReturnType<typeof runGatewayToExit>>, path: string, reason: RegExp): void {
    assert.equal(exit.code, 2, `exit code (stderr: ${exit.stderr}; stdout: ${exit.stdout.slice(-500)})`);
    assert.ok(exit.ms < 10_000, `exited after ${exit.ms} ms`);
    const lines = exit.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one message on stderr, got: ${exit.stderr}`);
    assert.ok(exit.stderr.includes(path), `stderr names ${path}: ${exit.stderr}`);
    assert.match(exit.stderr, reason);
  }

  it('DATA_DIR that cannot be written or created', async () => {
    if (process.getuid?.() === 0) {
      // As root permissions are not enforced: a DATA_DIR under a regular file cannot be created either.
      const file = join(dir, 'a-file');
      writeFileSync(file, 'not a directory');
      const dataDir = join(file, 'data');
      assertStartError(
        await runGatewayToExit(env(dataDir)),
        dataDir,
        /cannot be created.*set DATA_DIR to another directory/,
      );
      assert.ok(!existsSync(dataDir));
    } else {
      const locked = join(dir, 'read-only');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      try {
        assertStartError(
          await runGatewayToExit(env(locked)),
          locked,
          /not writable.*set DATA_DIR to another directory/,
        );
        const nested = join(locked, 'data');
        assertStartError(
          await runGatewayToExit(env(nested)),
          nested,
          /cannot be created.*set DATA_DIR to another directory/,
        );
      } finally {
        chmodSync(locked, 0o700);
      }
    }
  });

  it('a second gateway on the same DATA_DIR while the first runs', async () => {
    const dataDir = join(dir, 'shared');
    const first = new GatewayProcess(env(dataDir), 'first-on-dir');
    await first.start();
    try {
      assertStartError(
        await runGatewayToExit(env(dataDir)),
        dataDir,
        /in use by another gateway.*stop that process, or give this one its own DATA_DIR/,
      );
      assert.equal((await fetch(`http://127.0.0.1:${first.adminPort}/health`)).status, 200, 'the first one serves on');
    } finally {
      await first.stop();
    }
  });

  it('a truncated store file: refused, and left as it is', async () => {
    const csms = await new TestCsms().start();
    const dataDir = join(dir, 'damaged');
    const file = join(dataDir, 'gateway.db');
    try {
      const gw = await new GatewayProcess({ ...env(dataDir), CSMS_URL: csms.url }, 'before-damage').start();
      assertAcknowledged(await timedSend(gw.soapUrl, 'CP-DAMAGE', body.boot()), 'BootNotification', gw.logFile);
      await gw.stop();
    } finally {
      await csms.stop();
    }
    const size = statSync(file).size;
    truncateSync(file, Math.floor(size / 3));
    rmSync(`${file}-wal`, { force: true });
    const truncated = statSync(file).size;
    assertStartError(await runGatewayToExit(env(dataDir)), file, /damaged.*move .* aside/);
    assert.equal(statSync(file).size, truncated, 'the damaged file is left as it was, not replaced by a new store');
    assert.ok(truncated > 0 && truncated < size);
  });
});
