import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type QueueMode, type RunningGateway } from '../helpers/gateway-harness.js';
import { GatewayProcess } from '../helpers/processes.js';
import { assertFault, assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

/**
 * What bounds the gateway's resources (docs/architecture.md#resource-bounds): known identities, file descriptors,
 * identities the CSMS refuses, and CSMS connections of silent chargers.
 */
const HEARTBEAT = '<cs:heartbeatRequest/>';
const RELATES = 'urn:uuid:11111111-2222-3333-4444-555555555555';
const STATUS =
  '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Available</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>';

/** Runs `task` for every item, at most `width` at a time; resolves with the results in order. */
async function inParallel<T, R>(items: T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

const metric = async (adminUrl: string, name: string): Promise<number> => {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
};

for (const mode of ['embedded', 'redis'] as QueueMode[]) {
  describe(`MAX_CHARGERS bounds the identities the gateway knows (${mode})`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;
    const known = Array.from({ length: 20 }, (_, i) => `CP-KNOWN-${i}`);

    before(async () => {
      csms = await new TestCsms().start();
      gw = await startGateway(mode, csms.url, { maxChargers: known.length });
    });
    after(async () => {
      await gw.stop();
      await csms.stop();
    });

    it('2,000 identities over the bound are refused with SecurityError while the known chargers keep working', async () => {
      for (const identity of known)
        assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity })), {
          action: '/HeartbeatResponse',
          relatesTo: RELATES,
        });
      const strangers = Array.from({ length: 2_000 }, (_, i) => `CP-NEW-${i}`);
      const replies = await inParallel(strangers, 32, (identity) =>
        post(gw.soapUrl, envelope(HEARTBEAT, { identity })),
      );
      for (const reply of replies)
        assertFault(reply, 'Sender', 'SecurityError', /at most 20 chargers \(MAX_CHARGERS\)/);

      assert.equal(
        (await gw.gateway.registry.contacts.identities()).length,
        known.length,
        'no refused identity was recorded',
      );
      assert.equal(csms.clients.size, known.length, 'no CSMS connection was opened for a refused identity');
      assert.equal(await metric(gw.adminUrl, 'ocppgw_chargers_refused_total'), 2_000);
      const before = csms.callsFor('CP-KNOWN-0', 'Heartbeat').length;
      assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-KNOWN-0' })), {
        action: '/HeartbeatResponse',
        relatesTo: RELATES,
      });
      assert.equal(
        csms.callsFor('CP-KNOWN-0', 'Heartbeat').length,
        before + 1,
        'a known charger still reaches the CSMS',
      );
    });
  });
}

describe('an identity the CSMS refuses at the handshake', () => {
  let csms: TestCsms;
  let gw: RunningGateway;

  before(async () => {
    csms = await new TestCsms().start();
    gw = await startGateway('embedded', csms.url, { csmsTimeoutMs: 800 });
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('gets 503 for a message that would otherwise be stored, nothing is queued, operators see why', async () => {
    csms.unknownIdentities.add('CP-404');
    for (let i = 0; i < 3; i++) {
      const reply = await post(gw.soapUrl, envelope(STATUS, { identity: 'CP-404' }));
      assert.equal(reply.status, 503, `message ${i}: the charger keeps it (${reply.text})`);
      assert.match(reply.text, /HTTP 404/);
    }
    assert.equal(await gw.gateway.registry.queued.count('CP-404'), 0, 'nothing waits in a queue nobody drains');
    const status = (await (await fetch(`${gw.adminUrl}/api/chargers/CP-404`)).json()) as {
      upstream: { refusal?: { status: number } };
    };
    assert.equal(status.upstream.refusal?.status, 404);
    assert.equal(csms.callsFor('CP-404').length, 0);
  });

  it('once the CSMS knows it, an operator reconnect lets its messages through again', async () => {
    csms.unknownIdentities.delete('CP-404');
    assert.equal((await fetch(`${gw.adminUrl}/api/chargers/CP-404/reconnect`, { method: 'POST' })).status, 200);
    await until(() => gw.gateway.upstream.peek('CP-404')?.isOpen === true, 'the CSMS connection of CP-404');
    await until(
      async () => (await post(gw.soapUrl, envelope(STATUS, { identity: 'CP-404' }))).status === 200,
      'CP-404 accepted again',
    );
    await csms.waitForCall((c) => c.identity === 'CP-404' && c.action === 'StatusNotification');
  });
});

describe('the CSMS connection of a silent charger', () => {
  let csms: TestCsms;
  let gw: RunningGateway;

  before(async () => {
    csms = await new TestCsms().start();
    csms.handlers.BootNotification = () => ({
      status: 'Accepted',
      currentTime: new Date().toISOString(),
      interval: 60,
    });
    gw = await startGateway('embedded', csms.url, {});
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('is closed after three heartbeat intervals without traffic and opened again by the next message', async () => {
    const boot =
      '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>';
    assertSoapResponse(await post(gw.soapUrl, envelope(boot, { identity: 'CP-QUIET' })), {
      action: '/BootNotificationResponse',
      relatesTo: RELATES,
    });
    const first = csms.clients.get('CP-QUIET')!;
    const closed = new Promise((resolve) => first.on('close', resolve));
    const now = Date.now();
    assert.equal(await gw.gateway.upstream.closeIdle(now + 170_000), 0, 'within 3 x 60 s it stays open');
    assert.equal(await gw.gateway.upstream.closeIdle(now + 181_000), 1);
    await closed;
    assert.equal(gw.gateway.upstream.peek('CP-QUIET'), undefined);

    assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-QUIET' })), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    await csms.waitForCall((c) => c.identity === 'CP-QUIET' && c.action === 'Heartbeat');
    assert.notEqual(csms.clients.get('CP-QUIET'), first, 'a new WebSocket');
  });
});

describe('file descriptors running out', () => {
  let csms: TestCsms;
  let gw: GatewayProcess;

  before(async () => {
    csms = await new TestCsms().start();
    // 220 descriptors, 100 of them kept in reserve: about 90 chargers fit beside what the process opens itself.
    gw = await new GatewayProcess(
      { CSMS_URL: csms.url, ADMISSION: 'auto-accept', FD_RESERVE: '100', LOG_LEVEL: 'warn' },
      'fd-limit',
      220,
    ).start();
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  it('new chargers get 503 before EMFILE; /health and the chargers already served keep working', async () => {
    const adminUrl = `http://127.0.0.1:${gw.adminPort}`;
    const identities = Array.from({ length: 300 }, (_, i) => `CP-FD-${i}`);
    const statuses = await inParallel(
      identities,
      8,
      async (identity) => (await post(gw.soapUrl, envelope(HEARTBEAT, { identity }))).status,
    );
    const served = statuses.filter((s) => s === 200).length;
    assert.ok(
      served >= 20 && served < 200,
      `some chargers are served, then new ones are turned away (served ${served})`,
    );
    assert.deepEqual(
      [...new Set(statuses)].sort(),
      [200, 503],
      'every other answer is 503, none is a failed connection',
    );
    assert.equal((await fetch(`${adminUrl}/health`)).status, 200);
    const first = identities[statuses.indexOf(200)]!;
    assertSoapResponse(await post(gw.soapUrl, envelope(HEARTBEAT, { identity: first })), {
      action: '/HeartbeatResponse',
      relatesTo: RELATES,
    });
    const reply = await post(gw.soapUrl, envelope(HEARTBEAT, { identity: 'CP-FD-LATE' }));
    assert.equal(reply.status, 503);
    assert.match(reply.text, /short of file descriptors/);
  });
});
