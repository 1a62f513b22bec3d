import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CsmsProtocol } from '../../src/ocpp/protocols.js';
import { ocpp12Soap, ocpp16Soap, type SoapDialect } from '../../src/soap/dialects.js';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
import { TestCsms } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { assertSoapResponse, envelope, post } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

/**
 * OCPP 1.2 and 1.6 SOAP chargers on the one endpoint (docs/translation.md#soap-dialects), both ways, to a strict
 * ocpp-rpc CSMS of each protocol (every CALL and CALLRESULT checked against the official schemas:
 * TestCsms.schemaFailures). The charger's side of CSMS commands is node-soap built from its dialect's official
 * ChargePointService WSDL; what the charger sends is raw XML, in the element order real chargers use
 * (docs/charger-quirks.md#q13-element-order: value last, meterStart before timestamp).
 */

const T = (minute: number) => new Date(Date.parse('2024-06-01T10:00:00Z') + minute * 60_000).toISOString();

interface DialectCase {
  dialect: SoapDialect;
  /** The Action of the gateway's answer to a request of this dialect. */
  answerAction: (op: string) => string;
  boot: string;
  status: string;
  start: string;
  meter: (tx: number) => string;
  stop: (tx: number) => string;
}

const V16: DialectCase = {
  dialect: ocpp16Soap,
  answerAction: (op) => `/${op}Response`,
  boot: '<cs:bootNotificationRequest><cs:chargePointVendor>V16</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>',
  status: `<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Preparing</cs:status><cs:errorCode>NoError</cs:errorCode><cs:timestamp>${T(0)}</cs:timestamp></cs:statusNotificationRequest>`,
  start: `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>TAG-16</cs:idTag><cs:meterStart>100</cs:meterStart><cs:timestamp>${T(1)}</cs:timestamp></cs:startTransactionRequest>`,
  meter: (tx) =>
    `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${tx}</cs:transactionId><cs:meterValue><cs:timestamp>${T(2)}</cs:timestamp><cs:sampledValue><cs:context>Sample.Periodic</cs:context><cs:format>Raw</cs:format><cs:measurand>Current.Import</cs:measurand><cs:phase>L2</cs:phase><cs:location>Outlet</cs:location><cs:unit>A</cs:unit><cs:value>16.2</cs:value></cs:sampledValue></cs:meterValue></cs:meterValuesRequest>`,
  stop: (tx) =>
    `<cs:stopTransactionRequest><cs:transactionId>${tx}</cs:transactionId><cs:idTag>TAG-16</cs:idTag><cs:timestamp>${T(3)}</cs:timestamp><cs:meterStop>900</cs:meterStop><cs:reason>EVDisconnected</cs:reason></cs:stopTransactionRequest>`,
};

const V12: DialectCase = {
  dialect: ocpp12Soap,
  answerAction: (op) => `urn://Ocpp/Cs/2010/08/CentralSystemService/${op}Response`,
  boot: '<cs:bootNotificationRequest><cs:chargePointVendor>V12</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>',
  status:
    '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Available</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>',
  start: `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>TAG-12</cs:idTag><cs:timestamp>${T(1)}</cs:timestamp><cs:meterStart>100</cs:meterStart></cs:startTransactionRequest>`,
  meter: () =>
    `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:values><cs:timestamp>${T(2)}</cs:timestamp><cs:value>1234</cs:value></cs:values></cs:meterValuesRequest>`,
  stop: (tx) =>
    `<cs:stopTransactionRequest><cs:transactionId>${tx}</cs:transactionId><cs:idTag>TAG-12</cs:idTag><cs:timestamp>${T(3)}</cs:timestamp><cs:meterStop>900</cs:meterStop></cs:stopTransactionRequest>`,
};

for (const c of [V16, V12])
  for (const protocol of ['ocpp1.6', 'ocpp2.0.1'] as CsmsProtocol[]) {
    describe(`OCPP ${c.dialect.version} SOAP charger to an ${protocol} CSMS`, () => {
      let csms: TestCsms;
      let gw: RunningGateway;
      let cp: NodeSoapChargePoint;
      const identity = `CP-${c.dialect.version.replace('.', '')}-${protocol === 'ocpp1.6' ? 'J16' : 'J201'}`;
      const send = (body: string) =>
        post(gw.soapUrl, envelope(body, { identity, bodyNs: c.dialect.csNamespace, from: cp.url }));

      before(async () => {
        csms = await new TestCsms(protocol).start();
        cp = await new NodeSoapChargePoint(c.dialect).start();
        gw = await startGateway('embedded', csms.url, { csmsProtocol: protocol, chargerTimeoutMs: 3_000 });
      });
      after(async () => {
        await gw.stop();
        await cp.stop();
        await csms.stop();
      });

      it('a session reaches the CSMS as valid OCPP-J; every answer is in the charger dialect', async () => {
        const boot = await send(c.boot);
        assertSoapResponse(boot, {
          action: c.answerAction('BootNotification'),
          relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
        });
        assert.equal(boot.body?.ns, c.dialect.csNamespace);
        assert.equal(boot.body?.children.find((e) => e.name === 'status')?.text, 'Accepted');
        const field = c.dialect.bootAnswer.intervalField;
        assert.ok(
          boot.body?.children.some((e) => e.name === field),
          `the interval as ${field}`,
        );
        assert.equal((await send(c.status)).status, 200);
        const start = await send(c.start);
        assert.equal(start.status, 200, start.text);
        const tx = Number(start.body?.children.find((e) => e.name === 'transactionId')?.text);
        assert.ok(Number.isInteger(tx), start.text);
        assert.equal((await send(c.meter(tx))).status, 200);
        assert.equal((await send(c.stop(tx))).status, 200);
        const expected =
          protocol === 'ocpp1.6'
            ? ['BootNotification', 'StatusNotification', 'StartTransaction', 'MeterValues', 'StopTransaction']
            : ['BootNotification', 'StatusNotification', 'TransactionEvent'];
        await until(
          () => expected.every((a) => csms.callsFor(identity, a).length > 0),
          `${expected.join(', ')} at the CSMS`,
        );
        assert.deepEqual(csms.schemaFailures, [], 'every CALL valid against the official schemas');
      });

      it('a CSMS command reaches the charger in its dialect and its answer comes back', async () => {
        const client = csms.clients.get(identity)!;
        const payload = protocol === 'ocpp1.6' ? { type: 'Soft' } : { type: 'Immediate' };
        const result = (await client.call('Reset', payload)) as { status: string };
        assert.equal(result.status, 'Accepted');
        const got = cp.last('Reset');
        assert.ok(got, 'the charger got Reset');
        assert.ok(got.rawXml.includes(c.dialect.cpNamespace), 'in the charger dialect namespace');
        assert.deepEqual(csms.schemaFailures, []);
      });
    });
  }

describe('what a 1.6 SOAP charger says reaches a 1.6J CSMS whole', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  let cp: NodeSoapChargePoint;
  const identity = 'CP-16-WHOLE';
  const send = (body: string) =>
    post(gw.soapUrl, envelope(body, { identity, bodyNs: ocpp16Soap.csNamespace, from: cp.url }));
  before(async () => {
    csms = await new TestCsms('ocpp1.6').start();
    cp = await new NodeSoapChargePoint(ocpp16Soap).start();
    gw = await startGateway('embedded', csms.url, {});
  });
  after(async () => {
    await gw.stop();
    await cp.stop();
    await csms.stop();
  });

  it('measurand, phase, location, context, format, unit, the stop reason and 1.6 statuses pass unchanged', async () => {
    await send(V16.boot);
    await send(V16.status);
    const start = await send(V16.start);
    const tx = Number(start.body?.children.find((e) => e.name === 'transactionId')?.text);
    await send(V16.meter(tx));
    await send(V16.stop(tx));
    await until(() => csms.callsFor(identity, 'StopTransaction').length > 0, 'the stop');
    assert.equal((csms.callsFor(identity, 'StatusNotification')[0]!.payload as { status: string }).status, 'Preparing');
    const meter = csms.callsFor(identity, 'MeterValues')[0]!.payload as {
      meterValue: { sampledValue: Record<string, string>[] }[];
    };
    assert.deepEqual(meter.meterValue[0]!.sampledValue[0], {
      value: '16.2',
      context: 'Sample.Periodic',
      format: 'Raw',
      measurand: 'Current.Import',
      phase: 'L2',
      location: 'Outlet',
      unit: 'A',
    });
    assert.equal(
      (csms.callsFor(identity, 'StopTransaction')[0]!.payload as { reason: string }).reason,
      'EVDisconnected',
    );
    assert.deepEqual(csms.schemaFailures, []);
  });

  it('TriggerMessage is native to 1.6 SOAP: the charger gets it', async () => {
    const client = csms.clients.get(identity)!;
    const result = (await client.call('TriggerMessage', { requestedMessage: 'Heartbeat' })) as { status: string };
    assert.equal(result.status, 'Accepted');
    assert.ok(cp.last('TriggerMessage'), 'the charger got TriggerMessage');
  });

  it('smart charging is native to 1.6 SOAP: SetChargingProfile reaches the charger as csChargingProfiles', async () => {
    const client = csms.clients.get(identity)!;
    const profile = {
      chargingProfileId: 7,
      stackLevel: 0,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.5 }] },
    };
    const result = (await client.call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile })) as {
      status: string;
    };
    assert.equal(result.status, 'Accepted');
    const got = cp.last('SetChargingProfile');
    assert.ok(got, 'the charger got SetChargingProfile');
    assert.match(got.rawXml, /csChargingProfiles/);
    assert.match(got.rawXml, /<[\w:]*limit>16.5</);
  });

  it('Q9: a 1.6 body in the Cp namespace is answered in the 1.6 Cs namespace', async () => {
    const reply = await post(
      gw.soapUrl,
      envelope('<cs:heartbeatRequest/>', { identity, bodyNs: ocpp16Soap.cpNamespace, from: cp.url }),
    );
    assertSoapResponse(reply, {
      action: '/HeartbeatResponse',
      relatesTo: 'urn:uuid:11111111-2222-3333-4444-555555555555',
    });
    assert.equal(reply.body?.ns, ocpp16Soap.csNamespace);
  });

  it('a charger that changes dialect (a firmware update) is followed: its commands go in the new one', async () => {
    const moved = 'CP-MOVES';
    const cp15 = await new NodeSoapChargePoint().start();
    try {
      await post(gw.soapUrl, envelope(V16.boot, { identity: moved, from: cp15.url }));
      assert.equal(
        (await post(gw.soapUrl, envelope(V16.boot, { identity: moved, bodyNs: ocpp16Soap.csNamespace, from: cp.url })))
          .status,
        200,
      );
      const status = (await (await fetch(`${gw.adminUrl}/api/chargers/${moved}`)).json()) as {
        soap: { dialect: string };
      };
      assert.equal(status.soap.dialect, 'ocpp1.6-soap', 'the status API shows the dialect');
      await csms.clients.get(moved)!.call('Reset', { type: 'Hard' });
      assert.ok(
        cp.received.some((r) => r.operation === 'Reset' && r.rawXml.includes(moved)),
        'in 1.6',
      );
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      assert.match(metrics, /ocppgw_soap_requests_total\{dialect="ocpp1.6-soap"\} [1-9]/);
      assert.match(metrics, /ocppgw_soap_requests_total\{dialect="ocpp1.5-soap"\} [1-9]/);
    } finally {
      await cp15.stop();
    }
  });
});

describe('what OCPP 1.2 lacks is refused to the CSMS, never sent in another namespace', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  let cp: NodeSoapChargePoint;
  const identity = 'CP-12-LACKS';
  before(async () => {
    csms = await new TestCsms('ocpp1.6').start();
    cp = await new NodeSoapChargePoint(ocpp12Soap).start();
    gw = await startGateway('embedded', csms.url, {});
    await post(gw.soapUrl, envelope(V12.boot, { identity, bodyNs: ocpp12Soap.csNamespace, from: cp.url }));
  });
  after(async () => {
    await gw.stop();
    await cp.stop();
    await csms.stop();
  });

  it('GetConfiguration, DataTransfer, ReserveNow: CALLERROR NotSupported naming the dialect; the charger gets nothing', async () => {
    const client = csms.clients.get(identity)!;
    for (const [action, payload] of [
      ['GetConfiguration', {}],
      ['DataTransfer', { vendorId: 'V' }],
      ['ReserveNow', { connectorId: 1, expiryDate: T(60), idTag: 'TAG', reservationId: 1 }],
    ] as const) {
      const error = await client.call(action, payload).then(
        () => undefined,
        (err: { rpcErrorCode?: string; message: string }) => err,
      );
      assert.equal(error?.rpcErrorCode, 'NotSupported', action);
      assert.match(error?.message ?? '', /1\.2/, `${action}: the message names the dialect`);
    }
    assert.deepEqual(cp.received, [], 'nothing reached the charger');
  });
});
