import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SoapCallError } from '../../src/soap/soap-call-error.js';
import { SoapClient } from '../../src/soap/soap-client.js';

/**
 * The address a call to a charger connects to is checked when connecting (docs/architecture.md#callback-addresses):
 * a host name that resolves to a refused address is never connected to, and the failure names the callback policy,
 * never anything the target would have said (its status, or whether a port is open).
 */
describe('SOAP client: the resolved address is checked before connecting', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  const checked: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      hits++;
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const call = (refuseLoopback: boolean) =>
    SoapClient.forChargers(1 << 20, (_target, address) => {
      checked.push(address);
      return refuseLoopback && ['127.0.0.1', '::1'].includes(address) ? 'this machine' : undefined;
    }).call(
      { identity: 'CP-DNS', dialect: 'ocpp1.5-soap', url: `http://localhost:${port}/cp` },
      'Reset',
      { type: 'Soft' },
      { from: 'http://gateway.example/CentralSystemService', timeoutMs: 3_000 },
    );

  it('a name resolving to a refused address: kind refused, "refused by callback policy", no request made', async () => {
    const err = await call(true).then(
      () => assert.fail('the call went through'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SoapCallError, String(err));
    assert.equal(err.kind, 'refused');
    assert.match(err.message, /^refused by callback policy: localhost resolves to .*: this machine$/);
    assert.equal(err.httpStatus, undefined);
    assert.equal(hits, 0, 'the target got no request');
    assert.ok(checked.length > 0, 'the resolved address was checked');
  });

  it('the same name with the address allowed: the call is made to it (and its HTTP status is an answer)', async () => {
    const err = await call(false).then(
      () => assert.fail('a 404 is not an answer'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SoapCallError, String(err));
    assert.equal(err.kind, 'http');
    assert.equal(err.httpStatus, 404);
    assert.equal(hits, 1);
  });
});
