import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { CentralSystemEndpoint } from '../../src/soap/central-system-endpoint.js';
import {
  ChargePointRelayEndpoint,
  relayFaultOf,
  relayUrlOf,
  type RelayCall,
} from '../../src/soap/charge-point-relay.js';
import { RelayTokens } from '../../src/soap/relay-tokens.js';
import { SoapCallError } from '../../src/soap/soap-call-error.js';
import { MAX_INFLATE_RATIO, SoapClient } from '../../src/soap/soap-client.js';
import { createSoapServer } from '../../src/soap/soap-server.js';
import { createLogger } from '../../src/util/log.js';
import { NodeSoapChargePoint } from './charge-points.js';
import { ChargerCallFailed, LegacyCentralSystem } from './legacy-cs.js';
import { freePort } from './processes.js';

/**
 * What the legacy SOAP tests share (test/integration/legacy-soap-*.test.ts): the gateway's SOAP client as it is built
 * for a legacy central system, raw HTTP servers answering as broken peers do, and the two sites the tests run
 * against: a node-soap legacy system for the client, and a relay in front of a node-soap charger.
 */

export const DIALECT = 'ocpp1.5-soap' as const;
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** A raw HTTP server answering every request with `answer`, counting requests. */
export async function rawServer(
  answer: (res: ServerResponse) => void,
): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/CentralSystemService`,
    hits: () => hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** The client as the gateway builds it for the legacy system. */
export function legacySoapClient(): SoapClient {
  return new SoapClient({
    peer: 'legacy system',
    service: 'centralSystem',
    maxResponseBytes: 1 << 20,
    maxInflateRatio: MAX_INFLATE_RATIO,
  });
}

/** The SoapCallError a call failed with; fails the test when the call succeeded or failed otherwise. */
export async function failure(promise: Promise<unknown>): Promise<SoapCallError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SoapCallError, `a SoapCallError, got ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}

/** The ChargerCallFailed a legacy system's call to a charger failed with; fails the test otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<ChargerCallFailed> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ChargerCallFailed, `ChargerCallFailed, got ${String(err)}`);
    return err;
  }
  assert.fail('the call succeeded');
}

/** The charger the client speaks for, and the gateway address it gives as wsa:From. */
export const IDENTITY = 'CP-LEG-1';
export const FROM = `http://gateway.example:8080/ChargePointService/${IDENTITY}`;

/**
 * A node-soap legacy central system, started before the suite's tests and stopped after them, and the client that
 * calls it; `to()` addresses the legacy system as the charger IDENTITY.
 */
export function legacyClientSite(): {
  legacy: LegacyCentralSystem;
  client: SoapClient;
  to: () => { identity: string; dialect: typeof DIALECT; url: string };
} {
  const legacy = new LegacyCentralSystem();
  before(() => legacy.start());
  after(() => legacy.stop());
  return { legacy, client: legacySoapClient(), to: () => ({ identity: IDENTITY, dialect: DIALECT, url: legacy.url }) };
}

/** The relay site: a SOAP server with the relay and the endpoint, a legacy system, a node-soap charger. */
export interface RelaySite {
  readonly legacy: LegacyCentralSystem;
  readonly charger: NodeSoapChargePoint;
  readonly tokens: RelayTokens;
  /** What the relay handed to its sink, in order. */
  readonly sinkCalls: RelayCall[];
  /** Charger identity -> the callback URL the sink calls it at. */
  readonly callbacks: Map<string, string>;
  publicUrl: string;
  relayUrl: string;
  /** Whether the caller check lets callers in. */
  allowCallers: boolean;
  /** The relay address the gateway gives the legacy system for a charger: its identity and token. */
  tokenUrl(identity: string): string;
}

/**
 * Starts the relay site before the suite's tests (CP-R1 and CP-R2 booted through the legacy system with their relay
 * addresses as wsa:From) and stops it after them.
 */
export function relaySite(): RelaySite {
  let server: Server;
  const tokens = new RelayTokens(randomBytes(32));
  const site: RelaySite = {
    legacy: new LegacyCentralSystem(),
    charger: new NodeSoapChargePoint(),
    tokens,
    sinkCalls: [],
    callbacks: new Map(),
    publicUrl: '',
    relayUrl: '',
    allowCallers: true,
    tokenUrl: (identity) => relayUrlOf(site.publicUrl, identity, tokens.tokenOf(identity)),
  };
  const { legacy, charger, sinkCalls, callbacks, tokenUrl } = site;

  before(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}/CentralSystemService`;
    site.publicUrl = publicUrl;
    site.relayUrl = relayUrlOf(publicUrl);
    const config = loadConfig(
      { CONFIG: '' },
      {
        csmsUrl: 'ws://127.0.0.1:9/ocpp',
        port,
        host: '127.0.0.1',
        adminPort: 0,
        publicUrl,
        admission: 'auto-accept',
        logLevel: 'silent',
      },
    );
    const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
    await charger.start();
    const cpClient = new SoapClient({
      peer: 'charger',
      service: 'chargePoint',
      maxResponseBytes: 1 << 20,
      maxInflateRatio: MAX_INFLATE_RATIO,
    });
    // The test's sink: what the bridge does, reduced to calling the charger at its callback URL.
    const sink = {
      relay: async (call: RelayCall) => {
        sinkCalls.push(call);
        try {
          return {
            kind: 'response' as const,
            body: await cpClient.call(
              { identity: call.identity, dialect: call.dialect, url: callbacks.get(call.identity)! },
              call.operation,
              call.request,
              { from: publicUrl, timeoutMs: 3_000 },
            ),
          };
        } catch (err) {
          return { kind: 'fault' as const, fault: relayFaultOf(err) };
        }
      },
    };
    const relay = new ChargePointRelayEndpoint(config, sink, async () => site.allowCallers, tokens, logger);
    const endpoint = new CentralSystemEndpoint(
      config,
      { accept: async () => ({ kind: 'retry', reason: 'no CSMS in this test' }) },
      logger,
    );
    server = createSoapServer(endpoint, logger, { headersMs: 5_000, requestMs: 10_000 }, undefined, relay);
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    await legacy.start();
    const legacyClient = legacySoapClient();
    for (const identity of ['CP-R1', 'CP-R2']) {
      callbacks.set(identity, charger.url);
      // What the gateway forwards on a legacy route: From is the relay, so the legacy system calls the gateway.
      await legacyClient.call(
        { identity, dialect: DIALECT, url: legacy.url },
        'BootNotification',
        { chargePointVendor: 'V', chargePointModel: 'M' },
        { from: tokenUrl(identity), timeoutMs: 5_000 },
      );
    }
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await legacy.stop();
    await charger.stop();
  });
  return site;
}
