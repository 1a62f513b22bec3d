import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bootRequest,
  CYCLE,
  meterValuesTraffic,
  sessionRequests,
  soapRequest,
  soapRequest16,
} from '../../../bench/envelopes.js';
import { decodeComplex } from '../../../src/soap/codec.js';
import { ocpp15Soap, ocpp16Soap, type SoapDialect } from '../../../src/soap/dialects.js';
import { readRequestEnvelope } from '../../../src/soap/envelope.js';
import type { ComplexType } from '../../../src/soap/wsdl-model.js';

/** The benchmark's traffic is what each dialect's official WSDL accepts, or its figures would measure Faults. */
describe('benchmark envelopes', () => {
  const decodes = (dialect: SoapDialect, xml: string) => {
    const envelope = readRequestEnvelope(xml);
    assert.equal(envelope.kind, 'soap12');
    if (envelope.kind !== 'soap12') return;
    assert.equal(envelope.body?.ns, dialect.csNamespace);
    const model = dialect.centralSystem();
    const op = model.operationsByRequestElement.get(envelope.body!.name.toLowerCase())!;
    return decodeComplex(model, model.type(op.requestType) as ComplexType, envelope.body!, op.requestElement);
  };

  it('every step of the day decodes in 1.5 and in 1.6 SOAP', () => {
    for (let step = 0; step < CYCLE.length; step++) {
      assert.ok(decodes(ocpp15Soap, soapRequest('CP', step)), `1.5 step ${step}`);
      assert.ok(decodes(ocpp16Soap, soapRequest16('CP', step)), `1.6 step ${step}`);
    }
    const meter = decodes(ocpp16Soap, soapRequest16('CP', 3)) as { meterValue: { sampledValue: object[] }[] };
    assert.equal(meter.meterValue[0]!.sampledValue.length, 5);
  });

  it("the fleet's BootNotification decodes in 1.5", () => {
    const boot = decodes(ocpp15Soap, bootRequest('CP', 0)) as { chargePointVendor: string; chargePointModel: string };
    assert.deepEqual([boot.chargePointVendor, boot.chargePointModel], ['Bench', 'Fleet']);
  });

  it('a session of the record measure: start, one sample per MeterValues, stop, each with a time of its own', () => {
    const messages = sessionRequests('CP', 3, 2);
    assert.equal(messages.length, 4);
    const [start, first, second, stop] = messages.map((m) => decodes(ocpp15Soap, m)) as [
      { timestamp: string; meterStart: number },
      { values: { timestamp: string; value: { $value?: string }[] }[] },
      { values: { timestamp: string }[] },
      { timestamp: string; meterStop: number },
    ];
    // Session 3 starts three hours after session 0: a start of its own, hence a session id of its own.
    assert.equal(new Date(start.timestamp).toISOString(), '2024-05-01T03:00:00.000Z');
    assert.equal(new Date(first.values[0]!.timestamp).toISOString(), '2024-05-01T03:01:00.000Z');
    assert.equal(new Date(second.values[0]!.timestamp).toISOString(), '2024-05-01T03:02:00.000Z');
    assert.equal(new Date(stop.timestamp).toISOString(), '2024-05-01T03:59:00.000Z');
    assert.ok(stop.meterStop > start.meterStart);
    assert.notEqual(sessionRequests('CP', 4, 2)[0], messages[0]);
    // Every message has a MessageID of its own.
    assert.equal(new Set(messages.map((m) => /MessageID>([^<]+)</.exec(m)![1])).size, 4);
  });

  it('MeterValues-only traffic opens one transaction per charger first', () => {
    const traffic = meterValuesTraffic();
    const actions = [traffic('A', 0), traffic('A', 1), traffic('B', 0), traffic('A', 2)].map(
      (m) => /Action[^>]*>\/(\w+)</.exec(m)![1],
    );
    assert.deepEqual(actions, ['StartTransaction', 'MeterValues', 'StartTransaction', 'MeterValues']);
    assert.ok(decodes(ocpp15Soap, traffic('C', 0)));
    assert.equal(/Action[^>]*>\/(\w+)</.exec(meterValuesTraffic()('A', 5))![1], 'StartTransaction');
  });
});
