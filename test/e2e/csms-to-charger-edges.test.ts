import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawChargerSite } from '../helpers/raw-charger-site.js';
import { TestCsms, type RpcServerClient } from '../helpers/csms-peer.js';
import type { RawChargePoint } from '../helpers/charge-points.js';
import { QUEUE_MODES, startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { chargerAnswer, envelope, post, quirkyResetAnswers } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

/**
 * CSMS -> charger calls against charger answers of every shape real chargers give (docs/charger-quirks.md, the Q
 * numbers in the titles) and every way a call can fail (docs/translation.md#errors).
 */
const fault = (code: string, subcode: string, reason: string) =>
  chargerAnswer(
    `<s:Fault><s:Code><s:Value>s:${code}</s:Value><s:Subcode><s:Value>cp:${subcode}</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">${reason}</s:Text></s:Reason></s:Fault>`,
  );

async function outcome(
  client: RpcServerClient,
  action: string,
  payload: object,
): Promise<{ result?: unknown; code?: string; message?: string; ms: number }> {
  const started = Date.now();
  try {
    return { result: await client.call(action, payload), ms: Date.now() - started };
  } catch (err) {
    const e = err as { rpcErrorCode?: string; message: string };
    return { code: e.rpcErrorCode, message: e.message, ms: Date.now() - started };
  }
}

for (const mode of QUEUE_MODES) {
  describe(`CSMS -> charger: response shapes, failures, emulated and refused actions (${mode} queue)`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;
    let cp: RawChargePoint;
    let client: RpcServerClient;
    let stopSite: () => Promise<void>;
    const identity = `CP-RAW-${mode}`;

    before(async () => {
      ({ csms, cp, gw, client, stop: stopSite } = await rawChargerSite(identity, mode, { chargerTimeoutMs: 700 }));
    });
    after(async () => {
      await stopSite();
      assert.deepEqual(csms.schemaFailures, []);
    });

    it('tolerates responses with no Header, no MessageID, odd RelatesTo, To = the central system, prefixes of any kind (Q1, Q3, Q4, Q8)', async () => {
      const shapes = quirkyResetAnswers(gw.soapUrl);
      for (const body of shapes) {
        cp.answer = () => ({ body });
        assert.deepEqual((await outcome(client, 'Reset', { type: 'Hard' })).result, { status: 'Accepted' });
      }
    });

    it('a charger SOAP Fault becomes the CALLERROR of docs/translation.md#soap-fault-to-callerror; its reason stays in the log', async () => {
      for (const [code, subcode, expected] of [
        ['Sender', 'SecurityError', 'SecurityError'],
        ['Sender', 'IdentityMismatch', 'SecurityError'],
        ['Sender', 'ProtocolError', 'FormationViolation'],
        ['Receiver', 'NotSupported', 'NotSupported'],
        ['Receiver', 'InternalError', 'InternalError'],
        ['Receiver', 'SomethingElse', 'GenericError'],
      ]) {
        cp.answer = () => ({
          status: code === 'Sender' ? 400 : 500,
          body: fault(code!, subcode!, `because ${subcode}`),
        });
        const r = await outcome(client, 'ClearCache', {});
        assert.equal(r.code, expected, `${code}/${subcode}`);
        // The description names the fault and the HTTP status, never text the charger wrote (docs/architecture.md#callback-addresses).
        assert.match(
          r.message ?? '',
          new RegExp(`SOAP Fault ${code}(/${subcode})? \\(HTTP ${code === 'Sender' ? 400 : 500}\\)`),
        );
        assert.doesNotMatch(r.message ?? '', /because/);
      }
    });

    it('HTTP errors without a Fault, a hung charger, a response that is not XML -> GenericError naming the reason, within the bound', async () => {
      cp.answer = () => ({ status: 503, body: 'maintenance', contentType: 'text/plain' });
      const http = await outcome(client, 'ClearCache', {});
      assert.deepEqual([http.code, /HTTP 503/.test(http.message ?? '')], ['GenericError', true]);
      cp.answer = () => ({ hang: true });
      const slow = await outcome(client, 'ClearCache', {});
      assert.equal(slow.code, 'GenericError');
      assert.match(slow.message ?? '', /did not answer within 700 ms/);
      assert.ok(slow.ms < 2_000, `answered after ${slow.ms} ms`);
      cp.answer = () => ({ body: 'OK' });
      const garbage = await outcome(client, 'ClearCache', {});
      assert.deepEqual([garbage.code, /not XML/.test(garbage.message ?? '')], ['GenericError', true]);
      cp.answer = () => ({ body: chargerAnswer('<cp:resetResponse><cp:status>Maybe</cp:status></cp:resetResponse>') });
      const invalid = await outcome(client, 'Reset', { type: 'Soft' });
      assert.deepEqual([invalid.code, /not valid OCPP 1.5/.test(invalid.message ?? '')], ['GenericError', true]);
    });

    it('TriggerMessage is emulated from what the gateway knows, the triggered message sent after the CALLRESULT', async () => {
      const t = (requestedMessage: string, connectorId?: number) =>
        outcome(
          client,
          'TriggerMessage',
          connectorId === undefined ? { requestedMessage } : { requestedMessage, connectorId },
        );
      // Nothing known yet about connector 3.
      assert.deepEqual((await t('StatusNotification', 3)).result, { status: 'Rejected' });
      await post(
        gw.soapUrl,
        envelope(
          '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Faulted</cs:status><cs:errorCode>GroundFailure</cs:errorCode><cs:timestamp>2024-05-01T08:00:00Z</cs:timestamp></cs:statusNotificationRequest>',
          { identity },
        ),
      );
      const before = csms.callsFor(identity, 'StatusNotification').length;
      const accepted = await t('StatusNotification', 1);
      assert.deepEqual(accepted.result, { status: 'Accepted' });
      const replay = await csms.waitForCall(
        (c) =>
          c.identity === identity &&
          c.action === 'StatusNotification' &&
          csms.callsFor(identity, 'StatusNotification').indexOf(c) >= before,
      );
      assert.deepEqual(
        replay.payload,
        { connectorId: 1, errorCode: 'GroundFailure', status: 'Faulted', timestamp: '2024-05-01T08:00:00.000Z' },
        'last status, original timestamp',
      );
      assert.deepEqual((await t('Heartbeat')).result, { status: 'Accepted' }, 'charger heard from just now');
      await csms.waitForCall((c) => c.identity === identity && c.action === 'Heartbeat');
      assert.deepEqual((await t('BootNotification')).result, { status: 'Rejected' }, 'already accepted');
      assert.deepEqual((await t('MeterValues')).result, { status: 'Rejected' }, 'the gateway cannot sample');
      assert.deepEqual((await t('DiagnosticsStatusNotification')).result, { status: 'Accepted' });
      const idle = await csms.waitForCall(
        (c) => c.identity === identity && c.action === 'DiagnosticsStatusNotification',
      );
      assert.deepEqual(idle.payload, { status: 'Idle' });
      cp.answer = () => ({
        body: chargerAnswer('<cp:getDiagnosticsResponse><cp:fileName>d.zip</cp:fileName></cp:getDiagnosticsResponse>'),
      });
      await outcome(client, 'GetDiagnostics', { location: 'ftp://x/y' });
      await t('DiagnosticsStatusNotification');
      await csms.waitForCall(
        (c) =>
          c.identity === identity && c.action === 'DiagnosticsStatusNotification' && c.payload.status === 'Uploading',
      );
      cp.answer = () => ({ body: chargerAnswer('<cp:updateFirmwareResponse/>') });
      await outcome(client, 'UpdateFirmware', {
        location: 'https://fw/x.bin',
        retrieveDate: '2020-01-01T00:00:00.000Z',
      });
      await t('FirmwareStatusNotification');
      await csms.waitForCall(
        (c) =>
          c.identity === identity && c.action === 'FirmwareStatusNotification' && c.payload.status === 'Downloading',
      );
      await post(
        gw.soapUrl,
        envelope(
          '<cs:firmwareStatusNotificationRequest><cs:status>Downloaded</cs:status></cs:firmwareStatusNotificationRequest>',
          { identity },
        ),
      );
      await t('FirmwareStatusNotification');
      await csms.waitForCall(
        (c) =>
          c.identity === identity && c.action === 'FirmwareStatusNotification' && c.payload.status === 'Installing',
      );
    });

    it('TriggerMessage BootNotification while Pending re-sends the cached boot and remembers the new status', async () => {
      const id = `${identity}-P`;
      csms.handlers.BootNotification = () => ({
        status: 'Pending',
        currentTime: new Date().toISOString(),
        interval: 10,
      });
      await post(
        gw.soapUrl,
        envelope(
          '<cs:bootNotificationRequest><cs:chargePointVendor>VP</cs:chargePointVendor><cs:chargePointModel>MP</cs:chargePointModel></cs:bootNotificationRequest>',
          { identity: id, from: cp.url },
        ),
      );
      csms.handlers.BootNotification = () => ({
        status: 'Accepted',
        currentTime: new Date().toISOString(),
        interval: 10,
      });
      const pendingClient = csms.clients.get(id)!;
      assert.deepEqual(
        (await outcome(pendingClient, 'TriggerMessage', { requestedMessage: 'BootNotification' })).result,
        { status: 'Accepted' },
      );
      const resent = await csms.waitForCall(
        (c) =>
          c.identity === id && c.action === 'BootNotification' && csms.callsFor(id, 'BootNotification').length === 2,
      );
      assert.deepEqual(resent.payload, { chargePointVendor: 'VP', chargePointModel: 'MP' });
      await until(
        async () => (await gw.gateway.registry.states.load(id))?.registration === 'Accepted',
        'the registry to remember registration Accepted',
        2_000,
      );
      assert.equal((await gw.gateway.registry.states.load(id))?.registration, 'Accepted');
      delete csms.handlers.BootNotification;
    });

    it('smart charging and security-extension actions -> NotSupported; an unknown action -> NotImplemented', async () => {
      const profile = {
        connectorId: 1,
        csChargingProfiles: {
          chargingProfileId: 1,
          stackLevel: 0,
          chargingProfilePurpose: 'TxDefaultProfile',
          chargingProfileKind: 'Absolute',
          chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
        },
      };
      assert.equal((await outcome(client, 'SetChargingProfile', profile)).code, 'NotSupported');
      assert.equal((await outcome(client, 'ClearChargingProfile', {})).code, 'NotSupported');
      assert.equal(
        (await outcome(client, 'GetCompositeSchedule', { connectorId: 1, duration: 60 })).code,
        'NotSupported',
      );
      assert.equal(
        (await outcome(client, 'GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' })).code,
        'NotSupported',
      );
      // ocpp-rpc will not send an action it has no schema for; send the frame raw.
      const reply = await new Promise<unknown[]>((resolve) => {
        client.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => {
          const frame = JSON.parse(message) as unknown[];
          if (!outbound && frame[1] === 'raw-1') resolve(frame);
        });
        void (client as unknown as { sendRaw(m: string): void }).sendRaw(
          JSON.stringify([2, 'raw-1', 'FlyToTheMoon', {}]),
        );
      });
      assert.deepEqual(reply.slice(0, 3), [4, 'raw-1', 'NotImplemented']);
    });

    it('a schema-invalid CSMS call is answered with a CALLERROR before the charger is bothered', async () => {
      const before = cp.received.length;
      const reply = await new Promise<unknown[]>((resolve) => {
        client.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => {
          const frame = JSON.parse(message) as unknown[];
          if (!outbound && frame[1] === 'raw-2') resolve(frame);
        });
        void (client as unknown as { sendRaw(m: string): void }).sendRaw(
          JSON.stringify([2, 'raw-2', 'Reset', { type: 'Sideways' }]),
        );
      });
      assert.equal(reply[0], 4);
      assert.equal(typeof reply[2], 'string');
      assert.notEqual(reply[2], 'GenericError');
      assert.equal(cp.received.length, before);
    });
  });
}

describe('CSMS -> charger without a usable callback URL', () => {
  it('answers GenericError naming the reason and the config key', async () => {
    const csms = await new TestCsms().start();
    const gw = await startGateway('embedded', csms.url);
    try {
      await post(
        gw.soapUrl,
        envelope('<cs:heartbeatRequest/>', {
          identity: 'CP-NOURL',
          from: 'http://www.w3.org/2005/08/addressing/anonymous',
        }),
      );
      const r = await outcome(csms.clients.get('CP-NOURL')!, 'Reset', { type: 'Hard' });
      assert.equal(r.code, 'GenericError');
      assert.match(r.message ?? '', /no callback URL known for charger CP-NOURL.*chargers\.CP-NOURL\.callbackUrl/);
      // A charger whose callback URL points nowhere.
      await post(
        gw.soapUrl,
        envelope('<cs:heartbeatRequest/>', { identity: 'CP-DEAD', from: 'http://127.0.0.1:9/ocpp' }),
      );
      const dead = await outcome(csms.clients.get('CP-DEAD')!, 'Reset', { type: 'Hard' });
      assert.equal(dead.code, 'GenericError');
      assert.match(dead.message ?? '', /unreachable.*ECONNREFUSED/);
    } finally {
      await gw.stop();
      await csms.stop();
    }
  });
});
