import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  inCidr,
  ipBytes,
  isLinkLocal,
  isLoopback,
  isThisMachine,
  parseCidr,
  plainAddress,
} from '../../../src/util/net.js';

describe('IP networks (callback and charger address rules)', () => {
  it('reads IPv4, IPv6, IPv4-mapped and embedded-IPv4 addresses', () => {
    assert.deepEqual([...ipBytes('10.1.2.3')!], [10, 1, 2, 3]);
    assert.deepEqual([...ipBytes('::ffff:10.1.2.3')!], [10, 1, 2, 3], 'the mapped form is the IPv4 address');
    assert.deepEqual([...ipBytes('fe80::1')!], [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual([...ipBytes('2001:db8::')!].slice(0, 4), [0x20, 0x01, 0x0d, 0xb8]);
    assert.deepEqual([...ipBytes('64:ff9b::1.2.3.4')!].slice(12), [1, 2, 3, 4]);
    assert.deepEqual([...ipBytes('[::1]')!].at(-1), 1);
    assert.equal(ipBytes('charger.example'), undefined);
    assert.equal(ipBytes('10.1.2'), undefined);
    assert.equal(plainAddress('::FFFF:127.0.0.1'), '127.0.0.1');
  });

  it('matches addresses against networks of both families, prefixes on any bit', () => {
    assert.ok(inCidr('10.20.3.4', parseCidr('10.20.0.0/16')));
    assert.ok(!inCidr('10.21.3.4', parseCidr('10.20.0.0/16')));
    assert.ok(inCidr('192.168.1.130', parseCidr('192.168.1.128/25')));
    assert.ok(!inCidr('192.168.1.127', parseCidr('192.168.1.128/25')));
    assert.ok(inCidr('::ffff:10.20.3.4', parseCidr('10.20.0.0/16')), 'a socket address in the mapped form');
    assert.ok(inCidr('fd12:3456::7', parseCidr('fd00::/8')));
    assert.ok(!inCidr('10.20.3.4', parseCidr('fd00::/8')), 'families never mix');
    assert.ok(inCidr('10.0.0.7', parseCidr('10.0.0.7')), 'a single address is a /32');
    assert.ok(inCidr('1.2.3.4', parseCidr('0.0.0.0/0')));
    assert.throws(() => parseCidr('10.0.0.0/33'), /prefix/);
    assert.throws(() => parseCidr('not-a-network'), /not an IP network/);
  });

  it('knows loopback, link-local and this machine', () => {
    assert.ok(isLoopback('127.0.0.2') && isLoopback('::1') && isLoopback('::ffff:127.0.0.1'));
    assert.ok(!isLoopback('10.0.0.1'));
    assert.ok(isLinkLocal('169.254.169.254') && isLinkLocal('fe80::abcd'));
    assert.ok(!isLinkLocal('169.255.0.1'));
    assert.ok(
      isThisMachine('localhost') && isThisMachine('127.0.0.1') && isThisMachine('[::1]') && isThisMachine('0.0.0.0'),
    );
    assert.ok(!isThisMachine('203.0.113.9'));
  });
});
