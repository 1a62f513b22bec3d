import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/config.js';
import { CallbackPolicy, withoutUserInfo } from '../../../src/soap/callback-policy.js';

/** docs/architecture.md#callback-addresses and docs/charger-quirks.md#q2-missing-or-useless-wsafrom (Q2). */
const policy = (overrides: Record<string, unknown> = {}) =>
  new CallbackPolicy(loadConfig({ CONFIG: '' }, { csmsUrl: 'ws://csms', port: 8080, adminPort: 8081, ...overrides }));
const from = (fromAddress?: string, replyToAddress?: string) => ({ fromAddress, replyToAddress });

describe('callback policy: which callback URLs a charger may set', () => {
  it('skips anonymous, none, host-less and unparsable addresses (Q2); From first, then ReplyTo', () => {
    const p = policy({ callbackPolicy: 'any' });
    for (const bad of [
      'http://www.w3.org/2005/08/addressing/anonymous',
      'http://www.w3.org/2005/08/addressing/none',
      'http://:8082/',
      'not a url',
      'urn:foo',
      '',
    ]) {
      assert.deepEqual(p.judge('CP', from(bad), '10.0.0.5'), { kind: 'none' }, bad);
    }
    assert.deepEqual(p.judge('CP', from('http://10.1.2.3:8080/ChargePointService', 'http://10.1.2.4/'), '10.0.0.5'), {
      kind: 'accepted',
      url: 'http://10.1.2.3:8080/ChargePointService',
      source: 'From',
    });
    assert.deepEqual(p.judge('CP', from('http://:1/', 'https://cp.example/ocpp'), '10.0.0.5'), {
      kind: 'accepted',
      url: 'https://cp.example/ocpp',
      source: 'ReplyTo',
    });
  });

  it('a configured callbackUrl always wins', () => {
    const p = policy({ chargers: { CP: { callbackUrl: 'http://10.9.9.9/cp' } } });
    assert.deepEqual(p.judge('CP', from('http://203.0.113.7/evil'), '203.0.113.7'), {
      kind: 'accepted',
      url: 'http://10.9.9.9/cp',
      source: 'config',
    });
  });

  it('same-source (the default): only the address the message came from, or CALLBACK_NETWORKS', () => {
    const p = policy({ callbackNetworks: '10.20.0.0/16' });
    assert.equal(p.judge('CP', from('http://10.0.0.5:8080/cp'), '::ffff:10.0.0.5').kind, 'accepted');
    const hijack = p.judge('CP', from('http://127.0.0.3:9000/cp'), '127.0.0.2');
    assert.equal(hijack.kind, 'refused');
    assert.match(hijack.kind === 'refused' ? hijack.reason : '', /not the address the message came from/);
    assert.equal(p.judge('CP', from('http://10.20.5.6/cp'), '10.0.0.5').kind, 'accepted', 'in CALLBACK_NETWORKS');
    assert.match(JSON.stringify(p.judge('CP', from('http://charger.example/cp'), '10.0.0.5')), /a host name/);
  });

  it('networks: only CALLBACK_NETWORKS, whatever the sender', () => {
    const p = policy({ callbackPolicy: 'networks', callbackNetworks: ['10.20.0.0/16'] });
    assert.equal(p.judge('CP', from('http://10.0.0.5/cp'), '10.0.0.5').kind, 'refused');
    assert.equal(p.judge('CP', from('http://10.20.0.5/cp'), '10.0.0.5').kind, 'accepted');
  });

  it("never link-local, never the gateway's own ports, loopback only from loopback, no user info: whatever the policy", () => {
    const p = policy({ callbackPolicy: 'any' });
    const reason = (url: string, sender = '10.0.0.5') => {
      const v = p.judge('CP', from(url), sender);
      return v.kind === 'refused' ? v.reason : v.kind;
    };
    assert.match(reason('http://169.254.169.254/latest/meta-data/'), /link-local/);
    assert.match(reason('http://[fe80::1]:8080/'), /link-local/);
    assert.match(reason('http://127.0.0.1:8081/api/chargers/CP/reconnect', '127.0.0.1'), /own port/);
    assert.match(reason('http://localhost:8080/CentralSystemService', '127.0.0.1'), /own port/);
    assert.match(reason('http://127.0.0.1:9999/cp'), /loopback address offered from another host/);
    assert.match(reason('http://localhost:9999/cp'), /loopback/);
    assert.equal(reason('http://127.0.0.1:9999/cp', '127.0.0.1'), 'accepted');
    assert.match(reason('http://user:secret@10.0.0.5/cp'), /user info/);
    assert.equal(
      policy({ callbackPolicy: 'any', chargers: { CP: { callbackUserInfo: true } } }).judge(
        'CP',
        from('http://user:secret@10.0.0.5/cp'),
        '10.0.0.5',
      ).kind,
      'accepted',
    );
    assert.equal(
      reason('http://10.0.0.9:8080/ChargePointService'),
      'accepted',
      'port 8080 on another host is a charger',
    );
  });

  it('a refusal names the URL without credentials', () => {
    const v = policy().judge('CP', from('http://user:secret@203.0.113.7/cp'), '10.0.0.5');
    assert.equal(v.kind === 'refused' && v.url, 'http://***@203.0.113.7/cp');
    assert.equal(withoutUserInfo('https://a:b@host:8443/x?y=1'), 'https://***@host:8443/x?y=1');
    assert.equal(withoutUserInfo('http://host/'), 'http://host/');
  });

  it('addresses are compared after normalising: IPv4-mapped IPv6 in either spelling, 0.0.0.0/8 and :: are this machine', () => {
    const p = policy({ callbackPolicy: 'any' });
    const rule = (url: string) => {
      const v = p.judge('CP', from(url), '203.0.113.7');
      return v.kind === 'refused' ? v.rule : v.kind;
    };
    assert.equal(rule('http://[::ffff:127.0.0.1]:9000/cp'), 'loopback');
    assert.equal(rule('http://[::ffff:7f00:1]:9000/cp'), 'loopback');
    assert.equal(rule('http://[::ffff:169.254.169.254]/latest'), 'link-local');
    assert.equal(rule('http://0.0.0.0:9000/cp'), 'loopback');
    assert.equal(rule('http://0.1.2.3:9000/cp'), 'loopback');
    assert.equal(rule('http://[::]:9000/cp'), 'loopback');
    assert.equal(rule('http://[::ffff:0.0.0.0]:8080/cp'), 'own-port');
    assert.equal(rule('http://203.0.113.9:9000/cp'), 'accepted');
  });

  it('the address a learned host name resolves to is checked when connecting (no DNS rebinding)', () => {
    const p = policy({ callbackPolicy: 'any', chargers: { TRUSTED: { callbackUrl: 'http://cp.example/' } } });
    assert.match(p.connectRefusal('CP', 'http://cp.example:9000/', '127.0.0.1') ?? '', /this machine/);
    assert.match(p.connectRefusal('CP', 'http://cp.example:9000/', '::ffff:127.0.0.1') ?? '', /this machine/);
    assert.match(p.connectRefusal('CP', 'http://cp.example/', '169.254.169.254') ?? '', /link-local/);
    assert.match(p.connectRefusal('CP', 'http://localhost:8080/', '127.0.0.1') ?? '', /own port/);
    assert.equal(p.connectRefusal('CP', 'http://localhost:9000/', '127.0.0.1'), undefined, 'a name of this machine');
    assert.equal(p.connectRefusal('CP', 'http://cp.example/', '203.0.113.9'), undefined);
    assert.equal(p.connectRefusal('TRUSTED', 'http://cp.example/', '127.0.0.1'), undefined, "the operator's URL");
  });
});
