import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootRequest, CYCLE, soapRequest, soapRequest16 } from '../../../bench/envelopes.js';
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
});
