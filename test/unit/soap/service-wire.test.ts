import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { faultOf } from '../../../src/ocpp/soap-fault.js';
import { ocpp12Soap, ocpp15Soap, ocpp16Soap } from '../../../src/soap/dialects.js';
import { wsdlVersionChoice, wsdlVersionList } from '../../../src/soap/served-wsdls.js';
import {
  answerXml,
  decodeRequest,
  faultAnswerXml,
  type Identified,
  MAX_MESSAGE_ID,
  overlongIdentity,
  readRequestHead,
  type ServiceReader,
} from '../../../src/soap/service-wire.js';
import { child, parseXml } from '../../../src/soap/xml.js';
import { envelope } from '../../helpers/soap.js';

const CS: ServiceReader = { half: 'centralSystem', noIdentity: 'no identity (cs)' };
const CP: ServiceReader = { half: 'chargePoint', noIdentity: 'no identity (cp)' };
const fromHeader = (h: { chargeBoxIdentity?: string }): Identified => ({ identity: h.chargeBoxIdentity });
const heartbeat = '<cs:heartbeatRequest/>';
const reset = '<cs:resetRequest><cs:type>Hard</cs:type></cs:resetRequest>';

/** The one reading and writing of both SOAP services (docs/architecture.md#the-soap-server-pipeline). */
describe('service wire: reading a request as far as its operation', () => {
  it('bounds the MessageID: 256 characters are kept for RelatesTo, 257 are refused and never echoed', () => {
    const kept = readRequestHead(envelope(heartbeat, { messageId: 'm'.repeat(MAX_MESSAGE_ID) }), CS, fromHeader);
    assert.equal(kept.kind, 'head');
    assert.equal(kept.kind === 'head' && kept.meta.messageId?.length, MAX_MESSAGE_ID);
    const refused = readRequestHead(envelope(heartbeat, { messageId: 'm'.repeat(MAX_MESSAGE_ID + 1) }), CS, fromHeader);
    assert.equal(refused.kind, 'fault');
    if (refused.kind !== 'fault') return;
    assert.match(refused.fault.reason, /MessageID longer than 256/);
    assert.equal(refused.meta.messageId, undefined);
    assert.equal(refused.meta.dialect, ocpp15Soap, 'answered in the fallback dialect');
  });

  it("the service's identity check comes before the body; its Fault keeps the identity it names", () => {
    const mismatch = faultOf('IdentityMismatch', 'x');
    const reading = readRequestHead(envelope(''), CP, () => ({ fault: mismatch, identity: 'CP-9' }));
    assert.equal(reading.kind, 'fault');
    assert.equal(reading.kind === 'fault' && reading.fault, mismatch);
    assert.equal(reading.kind === 'fault' && reading.meta.identity, 'CP-9');
    assert.deepEqual(overlongIdentity('a'.repeat(21), 20)?.subcode, 'ProtocolError');
    assert.equal(overlongIdentity('a'.repeat(20), 20), undefined);
  });

  it("finds the operation in the service's own WSDL, in the dialect of the body namespace", () => {
    const cs = readRequestHead(envelope(reset, { bodyNs: ocpp16Soap.cpNamespace }), CS, fromHeader);
    assert.equal(
      cs.kind === 'fault' && cs.fault.reason,
      'operation resetRequest is not a CentralSystemService operation',
    );
    assert.equal(cs.kind === 'fault' && cs.meta.dialect, ocpp16Soap);
    const cp = readRequestHead(envelope(reset, { bodyNs: ocpp16Soap.cpNamespace }), CP, fromHeader);
    assert.equal(cp.kind, 'head');
    if (cp.kind !== 'head') return;
    assert.equal(cp.meta.action, 'Reset');
    assert.deepEqual(decodeRequest(cp.head), { request: { type: 'Hard' } });
    const noIdentity = readRequestHead(envelope(reset, { identity: null }), CP, fromHeader);
    assert.equal(noIdentity.kind === 'fault' && noIdentity.fault.reason, 'no identity (cp)');
  });
});

describe('service wire: writing the answer', () => {
  it('a CentralSystemService answer: the `cs` prefix of the envelope and the dialect answer Action', () => {
    const op = ocpp12Soap.centralSystem().operations.get('Heartbeat')!;
    const root = parseXml(answerXml('centralSystem', ocpp12Soap, op, { currentTime: '2024-05-01T12:00:00Z' }, 'r1'));
    const body = child(child(root, 'Body')!, 'heartbeatResponse', ocpp12Soap.csNamespace);
    assert.ok(body, 'body in the 1.2 CentralSystemService namespace');
    const action = child(child(root, 'Header')!, 'Action')?.text;
    assert.equal(action, 'urn://Ocpp/Cs/2010/08/CentralSystemService/HeartbeatResponse');
  });

  it('a ChargePointService answer and Fault: the `cp` namespace declared on the body, the Subcode in it', () => {
    const op = ocpp15Soap.chargePoint().operations.get('Reset')!;
    const xml = answerXml('chargePoint', ocpp15Soap, op, { status: 'Accepted' }, undefined);
    assert.match(xml, /<cp:resetResponse xmlns:cp="urn:\/\/Ocpp\/Cp\/2012\/06\/">/);
    const fault = faultAnswerXml('chargePoint', ocpp15Soap, faultOf('SecurityError', 'no'), 'r2');
    assert.match(fault, /<s:Value xmlns:o="urn:\/\/Ocpp\/Cp\/2012\/06\/">o:SecurityError<\/s:Value>/);
    assert.match(fault, /<a:RelatesTo>r2<\/a:RelatesTo>/);
  });

  it('names the served WSDL versions from the dialect list, the fallback as the default', () => {
    assert.equal(wsdlVersionList('and'), '1.2, 1.5 and 1.6');
    assert.equal(wsdlVersionChoice(), '1.2, 1.5 (the default) or 1.6');
  });
});
