import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('configuration', () => {
  it('fails with a message naming CSMS_URL when it is missing', () => {
    assert.throws(
      () => loadConfig({ CONFIG: '' }),
      (e: unknown) => e instanceof ConfigError && /csmsUrl \(CSMS_URL\): CSMS_URL is required/.test(e.message),
    );
  });

  it('applies the documented defaults', () => {
    const c = loadConfig({ CONFIG: '', CSMS_URL: 'ws://csms/ocpp' });
    assert.equal(c.port, 8080);
    assert.equal(c.adminPort, 8081);
    assert.equal(c.adminHost, '127.0.0.1');
    assert.equal(c.csmsProtocol, 'ocpp1.6');
    assert.equal(c.csmsTimeoutMs, 20_000);
    assert.equal(c.maxBodyBytes, 1024 * 1024);
    assert.equal(c.redisUrl, undefined);
    assert.match(c.publicUrl, /^http:\/\/.+:8080\/CentralSystemService$/);
  });

  it('reads Redis Sentinel settings and refuses REDIS_URL beside them or a sentinel without a port', () => {
    const c = loadConfig({
      CONFIG: '',
      CSMS_URL: 'ws://csms/ocpp',
      REDIS_SENTINELS: 's1:26379, 10.0.0.2:26380',
      REDIS_SENTINEL_NAME: 'gw',
      REDIS_MIN_REPLICAS_ACKED: '1',
    });
    assert.deepEqual(c.redisSentinels, [
      { host: 's1', port: 26379 },
      { host: '10.0.0.2', port: 26380 },
    ]);
    assert.equal(c.redisSentinelName, 'gw');
    assert.equal(c.redisMinReplicasAcked, 1);
    assert.equal(c.redisReplicaTimeoutMs, 1_000);
    const base = { CONFIG: '', CSMS_URL: 'ws://csms/ocpp' };
    assert.throws(
      () => loadConfig({ ...base, REDIS_SENTINELS: 's1:26379', REDIS_URL: 'redis://r' }),
      (e: unknown) => e instanceof ConfigError && /REDIS_SENTINELS\) are exclusive/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ ...base, REDIS_SENTINELS: 's1' }),
      (e: unknown) =>
        e instanceof ConfigError && /redisSentinels \(REDIS_SENTINELS\): "s1" is not host:port/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ ...base, REDIS_MIN_REPLICAS_ACKED: '1' }),
      (e: unknown) => e instanceof ConfigError && /needs Redis/.test(e.message),
    );
  });

  it('delivers directly by default; DIRECT_DELIVERY=false turns it off and anything else is refused', () => {
    assert.equal(loadConfig({ CONFIG: '', CSMS_URL: 'ws://csms/ocpp' }).directDelivery, true);
    assert.equal(
      loadConfig({ CONFIG: '', CSMS_URL: 'ws://csms/ocpp', DIRECT_DELIVERY: 'false' }).directDelivery,
      false,
    );
    assert.throws(
      () => loadConfig({ CONFIG: '', CSMS_URL: 'ws://csms/ocpp', DIRECT_DELIVERY: 'no' }),
      /directDelivery \(DIRECT_DELIVERY\)/,
    );
  });

  it('keeps 32 MiB of trace text by default; TRACE_BUFFER_MIB sets it, within 1-4096', () => {
    assert.equal(loadConfig({ CONFIG: '', CSMS_URL: 'ws://csms/ocpp' }).traceBufferMiB, 32);
    assert.equal(loadConfig({ CONFIG: '', CSMS_URL: 'ws://csms/ocpp', TRACE_BUFFER_MIB: '8' }).traceBufferMiB, 8);
    assert.throws(
      () => loadConfig({ CONFIG: '', CSMS_URL: 'ws://csms/ocpp', TRACE_BUFFER_MIB: '0' }),
      /traceBufferMiB \(TRACE_BUFFER_MIB\)/,
    );
  });

  it('names the bad key and its variable', () => {
    assert.throws(
      () => loadConfig({ CONFIG: '', CSMS_URL: 'http://csms' }),
      /csmsUrl \(CSMS_URL\): CSMS_URL must be a ws:\/\/ or wss:\/\/ URL/,
    );
    assert.throws(() => loadConfig({ CONFIG: '', CSMS_URL: 'ws://c', PORT: 'eighty' }), /port \(PORT\)/);
    assert.throws(
      () => loadConfig({ CONFIG: '', CSMS_URL: 'ws://c', CSMS_PROTOCOL: 'ocpp2.1' }),
      /csmsProtocol \(CSMS_PROTOCOL\)/,
    );
  });

  it('reads config/gateway.yaml with per-charger overrides; env wins; unknown keys are named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gwcfg-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      'csmsUrl: ws://from-file/ocpp\nport: 9000\nchargers:\n  "00:80:F4:44:13:AA":\n    callbackUrl: http://10.0.0.9:8080/cp\n    upstreamIdentity: CP-MAC-1\n',
    );
    const c = loadConfig({ CONFIG: file, PORT: '9100' });
    assert.equal(c.csmsUrl, 'ws://from-file/ocpp');
    assert.equal(c.port, 9100);
    assert.equal(c.chargers['00:80:F4:44:13:AA']?.upstreamIdentity, 'CP-MAC-1');
    writeFileSync(file, 'csmsUrl: ws://x\nchargers:\n  CP1:\n    callbackURL: http://x\n');
    assert.throws(() => loadConfig({ CONFIG: file }), /chargers\.CP1/);
    assert.throws(() => loadConfig({ CONFIG: join(dir, 'missing.yaml') }), /does not exist/);
  });

  it('refuses an admin port open beyond loopback without a token, unless ADMIN_INSECURE says so; tokens of 16+ characters', () => {
    const base = { CONFIG: '', CSMS_URL: 'ws://c' };
    assert.throws(
      () => loadConfig({ ...base, ADMIN_HOST: '0.0.0.0' }),
      /adminHost \(ADMIN_HOST\) 0\.0\.0\.0 opens the admin port beyond this machine without adminToken/,
    );
    assert.equal(loadConfig({ ...base, ADMIN_HOST: '0.0.0.0', ADMIN_INSECURE: 'true' }).adminInsecure, true);
    assert.equal(
      loadConfig({ ...base, ADMIN_HOST: '0.0.0.0', ADMIN_TOKEN: 'a'.repeat(16) }).adminToken,
      'a'.repeat(16),
    );
    assert.equal(loadConfig({ ...base, ADMIN_HOST: '::1' }).adminHost, '::1', 'loopback needs no token');
    assert.throws(() => loadConfig({ ...base, ADMIN_TOKEN: 'short' }), /at least 16 characters/);
  });

  it('reads networks as CIDR lists, from the environment or the file, and names a bad one', () => {
    const c = loadConfig({
      CONFIG: '',
      CSMS_URL: 'ws://c',
      CHARGER_NETWORKS: '10.0.0.0/8, fd00::/8',
      CALLBACK_NETWORKS: '192.168.1.7',
    });
    assert.deepEqual(
      c.chargerNetworks?.map((n) => n.text),
      ['10.0.0.0/8', 'fd00::/8'],
    );
    assert.deepEqual(
      c.callbackNetworks.map((n) => n.text),
      ['192.168.1.7'],
    );
    assert.throws(
      () => loadConfig({ CONFIG: '', CSMS_URL: 'ws://c', CHARGER_NETWORKS: '10.0.0.0/40' }),
      /chargerNetworks \(CHARGER_NETWORKS\): '10\.0\.0\.0\/40' has an invalid prefix length/,
    );
    assert.equal(c.callbackPolicy, 'same-source', 'the safe policy is the default');
  });

  it('keeps per-charger settings in a map without a prototype: an identity that names an Object member is no charger', () => {
    const c = loadConfig({ CONFIG: '', CSMS_URL: 'ws://c' }, { chargers: { 'CP-1': {} } });
    assert.equal(c.chargers.constructor, undefined);
    assert.equal(c.chargers.toString, undefined);
    assert.equal(Reflect.get(c.chargers, '__proto__'), undefined);
    assert.ok(c.chargers['CP-1']);
  });

  it('the example configuration loads as documented; a route through the legacy system needs its URL', () => {
    const c = loadConfig({ CONFIG: 'config/gateway.example.yaml' });
    assert.equal(c.callbackPolicy, 'same-source');
    assert.equal(c.chargers['00:80:F4:44:13:AA']?.upstreamIdentity, 'DE-BER-0017');
    assert.throws(
      () => loadConfig({ CONFIG: '', CSMS_URL: 'ws://x/ocpp', ROUTE: 'legacy' }),
      /route \(ROUTE\) legacy needs legacyCsUrl \(LEGACY_CS_URL\)/,
    );
    assert.equal(
      loadConfig({ CONFIG: '', CSMS_URL: 'ws://x/ocpp', LEGACY_CS_URL: 'http://old/CentralSystemService' }).legacyCsUrl,
      'http://old/CentralSystemService',
    );
  });
});
