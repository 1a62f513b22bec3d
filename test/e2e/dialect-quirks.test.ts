import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ocpp12Soap, ocpp15Soap, ocpp16Soap, type SoapDialect } from '../../src/soap/dialects.js';
import { NS } from '../../src/soap/namespaces.js';
import { child } from '../../src/soap/xml.js';
import { NodeSoapChargePoint } from '../helpers/charge-points.js';
import { TestCsms, type TestProtocol } from '../helpers/csms-peer.js';
import { startGateway, type RunningGateway } from '../helpers/gateway-harness.js';
import { SoapCharger } from '../helpers/soap-charger.js';
import { envelope, post, type SoapReply } from '../helpers/soap.js';
import { until } from '../helpers/wait.js';

/**
 * Every SOAP dialect on the one endpoint, to the strict ocpp-rpc CSMS in 1.6J and 2.0.1, beside
 * test/e2e/dialects.test.ts: chargers are node-soap clients built from each dialect's official CentralSystemService
 * WSDL and node-soap ChargePointService servers; every OCPP-J CALL the gateway sends is checked against the official schemas, and strict mode refuses any
 * invalid CALLRESULT to the CSMS's own calls. The quirks of these dialects (Q9, Q13, Q14) are those of
 * docs/charger-quirks.md.
 */

const DIALECTS: SoapDialect[] = [ocpp12Soap, ocpp15Soap, ocpp16Soap];
const PROTOCOLS: TestProtocol[] = ['ocpp1.6', 'ocpp2.0.1'];
const short = (d: SoapDialect) => d.version.replace('.', '');

/** The wsa:Action and first Body child of a SOAP answer. */
function answerOf(reply: SoapReply): { action?: string; ns?: string; name?: string; fields: string[] } {
  return {
    action: child(reply.header!, 'Action', NS.wsa)?.text,
    ns: reply.body?.ns,
    name: reply.body?.name,
    fields: reply.body?.children.map((c) => c.name) ?? [],
  };
}

for (const protocol of PROTOCOLS) {
  describe(`SOAP dialects to a ${protocol} CSMS: 1.2, 1.5 and 1.6 SOAP on one endpoint, both directions`, () => {
    let csms: TestCsms;
    let gw: RunningGateway;
    const points = new Map<SoapDialect, NodeSoapChargePoint>();
    const chargers = new Map<SoapDialect, SoapCharger>();

    before(async () => {
      csms = await new TestCsms(protocol).start();
      gw = await startGateway('embedded', csms.url, {
        csmsProtocol: protocol,
        chargerTimeoutMs: 2_000,
        publicUrl: 'http://gw.test:8080/CentralSystemService',
      });
      for (const dialect of DIALECTS) {
        const cp = await new NodeSoapChargePoint(dialect).start();
        points.set(dialect, cp);
        const identity = `CP-D${short(dialect)}-${protocol.replace(/\W/g, '')}`;
        chargers.set(dialect, await SoapCharger.create(gw.soapUrl, identity, cp.url, dialect));
      }
    });
    after(async () => {
      await gw.stop();
      for (const cp of points.values()) await cp.stop();
      await csms.stop();
    });

    for (const dialect of DIALECTS) {
      it(`${dialect.title}: Boot, Heartbeat, a transaction reach the CSMS; answers in the charger's own dialect`, async () => {
        const charger = chargers.get(dialect)!;
        const boot = await charger.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
        const model = dialect.centralSystem();
        const answer = answerOf(boot.reply);
        assert.equal(answer.ns, dialect.csNamespace, 'answered in the dialect namespace');
        assert.equal(answer.name, 'bootNotificationResponse');
        assert.equal(answer.action, dialect.responseAction(model.operations.get('BootNotification')!));
        assert.deepEqual(answer.fields, ['status', 'currentTime', dialect.bootAnswer.intervalField], 'WSDL order');
        assert.equal((boot.result as { status: string }).status, 'Accepted');
        await charger.call('Heartbeat', {});
        const start = await charger.call<{ transactionId: number }>('StartTransaction', {
          connectorId: 1,
          idTag: 'TAG1',
          timestamp: '2024-05-01T12:00:00Z',
          meterStart: 100,
        });
        assert.equal(typeof start.result.transactionId, 'number');
        const stop = await charger.call('StopTransaction', {
          transactionId: start.result.transactionId,
          timestamp: '2024-05-01T13:00:00Z',
          meterStop: 900,
        });
        assert.equal(answerOf(stop.reply).ns, dialect.csNamespace);
        const actions = csms.callsFor(charger.identity).map((c) => c.action);
        if (protocol === 'ocpp1.6')
          assert.deepEqual(actions, ['BootNotification', 'Heartbeat', 'StartTransaction', 'StopTransaction']);
        else assert.deepEqual(actions, ['BootNotification', 'Heartbeat', 'TransactionEvent', 'TransactionEvent']);
        assert.deepEqual(csms.schemaFailures, []);
      });
    }

    it('OCPP 1.2: what the dialect lacks is CALLERROR NotSupported naming it, and nothing reaches the charger', async () => {
      const charger = chargers.get(ocpp12Soap)!;
      const cp = points.get(ocpp12Soap)!;
      const before = cp.received.length;
      const calls: [string, object][] = [
        ['DataTransfer', { vendorId: 'V' }],
        ['GetLocalListVersion', {}],
      ];
      for (const [action, payload] of calls) {
        const err = (await csms.clients
          .get(charger.identity)!
          .call(action, payload)
          .then(
            () => assert.fail(`${action} should be refused`),
            (e: unknown) => e,
          )) as { rpcErrorCode?: string; message: string };
        assert.equal(err.rpcErrorCode, 'NotSupported', action);
        assert.match(err.message, /1\.2/, 'the refusal names the dialect');
      }
      assert.equal(cp.received.length, before, 'nothing was sent to the charger');
    });

    it('the status API and the metrics show each charger by dialect', async () => {
      for (const dialect of DIALECTS) {
        const res = await fetch(`${gw.adminUrl}/api/chargers/${chargers.get(dialect)!.identity}`);
        const status = (await res.json()) as { soap: { dialect?: string } };
        assert.equal(status.soap.dialect, dialect.id);
      }
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      for (const dialect of DIALECTS)
        assert.match(metrics, new RegExp(`ocppgw_soap_requests_total\\{dialect="${dialect.id}"\\} [1-9]`));
    });
  });
}

describe('OCPP 1.6 SOAP to 1.6J loses nothing; the wire quirks of these dialects (Q9, Q13, Q14)', () => {
  let csms: TestCsms;
  let gw: RunningGateway;
  const logLines: string[] = [];
  const ns16 = ocpp16Soap.csNamespace;

  before(async () => {
    csms = await new TestCsms('ocpp1.6').start();
    gw = await startGateway(
      'embedded',
      csms.url,
      {
        publicUrl: 'http://gw.test:8080/CentralSystemService',
        chargerTimeoutMs: 2_000,
        chargers: { 'CP-PIN16': { dialect: 'ocpp1.6-soap' } },
      },
      undefined,
      logLines,
    );
  });
  after(async () => {
    await gw.stop();
    await csms.stop();
  });

  const send = (identity: string, body: string, bodyNs = ns16) =>
    post(gw.soapUrl, envelope(body, { identity, bodyNs }));

  it('Pending from the CSMS reaches a 1.6 SOAP charger with its interval', async () => {
    csms.handlers.BootNotification = () => ({ status: 'Pending', currentTime: new Date().toISOString(), interval: 42 });
    try {
      const reply = await send(
        'CP-16-PENDING',
        '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>',
      );
      assert.equal(reply.status, 200, reply.text);
      assert.equal(child(reply.body!, 'status', ns16)?.text, 'Pending');
      assert.equal(child(reply.body!, 'interval', ns16)?.text, '42');
    } finally {
      delete csms.handlers.BootNotification;
    }
  });

  it('Q13: elements out of WSDL order are read; reason, every sampled-value attribute and 1.6 statuses pass unchanged', async () => {
    const id = 'CP-16-FULL';
    // meterStart before timestamp, as real 1.6 SOAP chargers send it.
    const start = await send(
      id,
      '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>TAG</cs:idTag><cs:meterStart>10</cs:meterStart><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp></cs:startTransactionRequest>',
    );
    assert.equal(start.status, 200, start.text);
    const transactionId = Number(child(start.body!, 'transactionId', ns16)?.text);
    // value last in sampledValue; every optional attribute of the 1.6 SampledValue set.
    const sampled =
      '<cs:sampledValue><cs:unit>A</cs:unit><cs:location>Outlet</cs:location><cs:phase>L2</cs:phase><cs:measurand>Current.Import</cs:measurand><cs:format>Raw</cs:format><cs:context>Transaction.End</cs:context><cs:value>16.5</cs:value></cs:sampledValue>';
    const stop = await send(
      id,
      `<cs:stopTransactionRequest><cs:reason>EVDisconnected</cs:reason><cs:meterStop>900</cs:meterStop><cs:transactionId>${transactionId}</cs:transactionId><cs:timestamp>2024-05-01T13:00:00Z</cs:timestamp><cs:transactionData>${sampled}<cs:timestamp>2024-05-01T13:00:00Z</cs:timestamp></cs:transactionData></cs:stopTransactionRequest>`,
    );
    assert.equal(stop.status, 200, stop.text);
    const sent = csms.callsFor(id, 'StopTransaction').at(-1)!.payload as {
      reason: string;
      transactionData: { sampledValue: Record<string, string>[] }[];
    };
    assert.equal(sent.reason, 'EVDisconnected');
    assert.deepEqual(sent.transactionData[0]!.sampledValue[0], {
      value: '16.5',
      context: 'Transaction.End',
      format: 'Raw',
      measurand: 'Current.Import',
      phase: 'L2',
      location: 'Outlet',
      unit: 'A',
    });
    const status = await send(
      id,
      '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>SuspendedEV</cs:status><cs:errorCode>EVCommunicationError</cs:errorCode></cs:statusNotificationRequest>',
    );
    assert.equal(status.status, 200, status.text);
    const notified = csms.callsFor(id, 'StatusNotification').at(-1)!.payload as Record<string, string>;
    assert.equal(notified.status, 'SuspendedEV');
    assert.equal(notified.errorCode, 'EVCommunicationError');
    assert.deepEqual(csms.schemaFailures, []);
  });

  it('Q14: a 1.6 MeterValues whose sampledValue has only a value is read, with the defaults of the spec left implied', async () => {
    const reply = await send(
      'CP-16-MV',
      '<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:meterValue><cs:sampledValue><cs:value>123</cs:value></cs:sampledValue><cs:timestamp>2024-05-01T12:00:00Z</cs:timestamp></cs:meterValue></cs:meterValuesRequest>',
    );
    assert.equal(reply.status, 200, reply.text);
    const sent = csms.callsFor('CP-16-MV', 'MeterValues').at(-1)!.payload as {
      meterValue: { sampledValue: object[] }[];
    };
    assert.deepEqual(sent.meterValue[0]!.sampledValue, [{ value: '123' }]);
    assert.deepEqual(csms.schemaFailures, []);
  });

  it('Q9: a body in the Cp half, without the trailing slash, is answered in the Cs namespace of its dialect', async () => {
    for (const [dialect, bodyNs] of [
      [ocpp16Soap, 'urn://Ocpp/Cp/2015/10'],
      [ocpp12Soap, 'urn://Ocpp/Cp/2010/08/'],
    ] as const) {
      const reply = await send(`CP-Q9-${short(dialect)}`, '<cs:heartbeatRequest/>', bodyNs);
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual([reply.body?.ns, reply.body?.name], [dialect.csNamespace, 'heartbeatResponse']);
    }
  });

  it('a charger whose dialect changes (a firmware update) is logged once and followed by CSMS calls', async () => {
    const id = 'CP-FIRMWARE';
    const cp16 = await new NodeSoapChargePoint(ocpp16Soap).start();
    try {
      const old = await SoapCharger.create(gw.soapUrl, id, cp16.url, ocpp15Soap);
      await old.call('Heartbeat', {});
      const updated = await SoapCharger.create(gw.soapUrl, id, cp16.url, ocpp16Soap);
      await updated.call('Heartbeat', {});
      await updated.call('Heartbeat', {});
      const changes = logLines.filter((l) => l.includes(`charger ${id} now speaks ocpp1.6-soap`));
      assert.equal(changes.length, 1, 'logged once');
      await until(() => csms.clients.has(id), 'the charger connected upstream');
      await csms.clients.get(id)!.call('ClearCache', {});
      const body = child(cp16.last('ClearCache')!.parsed, 'Body', NS.soap12)!.children[0]!;
      assert.equal(body.ns, ocpp16Soap.cpNamespace);
    } finally {
      await cp16.stop();
    }
  });

  it('a charger pinned to a dialect: a message in another is refused, naming the pin; its own is served', async () => {
    const id = 'CP-PIN16';
    const wrong = await send(id, '<cs:heartbeatRequest/>', ocpp15Soap.csNamespace);
    assert.equal(wrong.status >= 400, true);
    assert.match(wrong.text, /pinned to ocpp1\.6-soap/);
    assert.equal((await send(id, '<cs:heartbeatRequest/>')).status, 200);
  });

  it('?wsdl serves each dialect with PUBLIC_URL; 1.5 without a version; an unknown version is 404', async () => {
    const get = (query: string) => fetch(`${gw.soapUrl}?${query}`);
    for (const [query, dialect] of [
      ['wsdl', ocpp15Soap],
      ['wsdl&version=1.2', ocpp12Soap],
      ['wsdl&version=1.6', ocpp16Soap],
      ['wsdl&version=1.5', ocpp15Soap],
    ] as const) {
      const res = await get(query);
      assert.equal(res.status, 200, query);
      const text = await res.text();
      assert.ok(text.includes(`targetNamespace="${dialect.csNamespace}"`), `${query}: ${dialect.title} WSDL`);
      assert.ok(text.includes('location="http://gw.test:8080/CentralSystemService"'), `${query}: PUBLIC_URL`);
    }
    const unknown = await get('wsdl&version=2.0');
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /version=1\.2, 1\.5/);
  });
});
