import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ComplexType, SimpleType } from '../../../src/soap/wsdl-model.js';
import { ocpp15Soap } from '../../../src/soap/dialects.js';

const fields = (t: string, model = ocpp15Soap.centralSystem()) =>
  (model.type(t) as ComplexType).fields.map(
    (f) => `${f.name}:${f.minOccurs}..${f.maxOccurs === Infinity ? '*' : f.maxOccurs}`,
  );

describe('wsdl/ (docs/translation.md#soap-wire-rules, seed type documents, OCA 1.5 WSDL)', () => {
  it('CentralSystemService: namespace, ten operations, element names and Actions', () => {
    const m = ocpp15Soap.centralSystem();
    assert.equal(m.targetNamespace, 'urn://Ocpp/Cs/2012/06/');
    assert.equal(m.operations.size, 10);
    for (const op of m.operations.values()) {
      assert.equal(op.requestElement, `${op.name[0]!.toLowerCase()}${op.name.slice(1)}Request`);
      assert.equal(op.responseElement, `${op.name[0]!.toLowerCase()}${op.name.slice(1)}Response`);
      assert.equal(op.inputAction, `/${op.name}`);
      assert.equal(op.outputAction, `/${op.name}Response`);
    }
  });

  it('ChargePointService: namespace and fifteen operations', () => {
    const m = ocpp15Soap.chargePoint();
    assert.equal(m.targetNamespace, 'urn://Ocpp/Cp/2012/06/');
    assert.deepEqual([...m.operations.keys()].sort(), [
      'CancelReservation',
      'ChangeAvailability',
      'ChangeConfiguration',
      'ClearCache',
      'DataTransfer',
      'GetConfiguration',
      'GetDiagnostics',
      'GetLocalListVersion',
      'RemoteStartTransaction',
      'RemoteStopTransaction',
      'ReserveNow',
      'Reset',
      'SendLocalList',
      'UnlockConnector',
      'UpdateFirmware',
    ]);
  });

  it('sequences and cardinalities match the OCA WSDL', () => {
    assert.deepEqual(fields('BootNotificationRequest'), [
      'chargePointVendor:1..1',
      'chargePointModel:1..1',
      'chargePointSerialNumber:0..1',
      'chargeBoxSerialNumber:0..1',
      'firmwareVersion:0..1',
      'iccid:0..1',
      'imsi:0..1',
      'meterType:0..1',
      'meterSerialNumber:0..1',
    ]);
    assert.deepEqual(fields('MeterValuesRequest'), ['connectorId:1..1', 'transactionId:0..1', 'values:0..*']);
    assert.deepEqual(fields('StopTransactionRequest'), [
      'transactionId:1..1',
      'idTag:0..1',
      'timestamp:1..1',
      'meterStop:1..1',
      'transactionData:0..*',
    ]);
    assert.deepEqual(fields('StatusNotificationRequest'), [
      'connectorId:1..1',
      'status:1..1',
      'errorCode:1..1',
      'info:0..1',
      'timestamp:0..1',
      'vendorId:0..1',
      'vendorErrorCode:0..1',
    ]);
    assert.deepEqual(fields('IdTagInfo'), ['status:1..1', 'expiryDate:0..1', 'parentIdTag:0..1']);
    const cp = ocpp15Soap.chargePoint();
    assert.deepEqual(fields('ReserveNowRequest', cp), [
      'connectorId:1..1',
      'expiryDate:1..1',
      'idTag:1..1',
      'parentIdTag:0..1',
      'reservationId:1..1',
    ]);
    assert.deepEqual(fields('GetDiagnosticsRequest', cp), [
      'location:1..1',
      'startTime:0..1',
      'stopTime:0..1',
      'retries:0..1',
      'retryInterval:0..1',
    ]);
    assert.deepEqual(fields('UpdateFirmwareRequest', cp), [
      'retrieveDate:1..1',
      'location:1..1',
      'retries:0..1',
      'retryInterval:0..1',
    ]);
    assert.deepEqual(fields('SendLocalListRequest', cp), [
      'updateType:1..1',
      'listVersion:1..1',
      'localAuthorisationList:0..*',
      'hash:0..1',
    ]);
    assert.deepEqual(fields('GetConfigurationRequest', cp), ['key:0..*']);
    assert.deepEqual(fields('UpdateFirmwareResponse', cp), []);
  });

  it('maxLength and enumerations', () => {
    const m = ocpp15Soap.centralSystem();
    assert.deepEqual(m.type('IdToken'), { kind: 'simple', name: 'IdToken', base: 'string', maxLength: 20 });
    assert.equal((m.type('ChargePointErrorCode') as SimpleType).enumeration?.length, 13);
    assert.deepEqual((m.type('ChargePointStatus') as SimpleType).enumeration, [
      'Available',
      'Occupied',
      'Faulted',
      'Unavailable',
      'Reserved',
    ]);
    const value = m.type('MeterValue.value') as ComplexType;
    assert.deepEqual(
      value.simpleContent?.attributes.map((a) => a.name),
      ['context', 'format', 'measurand', 'location', 'unit'],
    );
  });

  it('declares SOAP 1.2, document/literal and the WS-Addressing policy', () => {
    for (const file of Object.values(ocpp15Soap.wsdlFiles)) {
      const xml = readFileSync(file, 'utf8');
      assert.match(xml, /<soap12:binding transport="http:\/\/schemas.xmlsoap.org\/soap\/http"\/>/);
      assert.match(xml, /<wsaw:UsingAddressing\/>/);
      assert.match(xml, /<wsp:PolicyReference URI="#ServicePolicy"\/>/);
      assert.doesNotMatch(xml, /style="rpc"|use="encoded"/);
    }
  });
});
