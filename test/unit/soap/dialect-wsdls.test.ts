import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeComplex, encodeElement, orderLikeWsdl } from '../../../src/soap/codec.js';
import {
  ocpp12Soap,
  ocpp15Soap,
  ocpp16Soap,
  ocppVersionOf,
  soapDialectOfVersion,
  type SoapDialect,
} from '../../../src/soap/dialects.js';
import type { ComplexType, SimpleType, WsdlModel } from '../../../src/soap/wsdl-model.js';
import { parseXml, type XmlElement } from '../../../src/soap/xml.js';

/**
 * Every operation of every dialect, both services, decoded and encoded from the official WSDL alone
 * (docs/translation.md#soap-dialects): encoded in WSDL order, decoded in any order
 * (docs/charger-quirks.md#q13-element-order).
 */

const DIALECTS: readonly SoapDialect[] = [ocpp12Soap, ocpp15Soap, ocpp16Soap];
const SERVICES = [
  ['CentralSystemService', (d: SoapDialect) => d.centralSystem()],
  ['ChargePointService', (d: SoapDialect) => d.chargePoint()],
] as const;

/** A value of a simple type: its last enumeration value, or one of its base type within its length. */
function simpleSample(t: SimpleType): unknown {
  if (t.enumeration) return t.enumeration.at(-1);
  switch (t.base) {
    case 'int':
      return 42;
    case 'decimal':
      return 16.5;
    case 'boolean':
      return true;
    case 'dateTime':
      return '2024-05-01T12:00:00Z';
    default:
      return 'text-value'.slice(0, t.maxLength ?? 10);
  }
}

/** A value of a type with every element present, repeated elements twice. */
function sample(model: WsdlModel, typeName: string): unknown {
  const t = model.type(typeName);
  if (t.kind === 'simple') return simpleSample(t);
  if (t.simpleContent) {
    const out: Record<string, unknown> = { $value: simpleSample(model.type(t.simpleContent.typeName) as SimpleType) };
    for (const a of t.simpleContent.attributes) out[a.name] = simpleSample(model.type(a.typeName) as SimpleType);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const f of t.fields)
    out[f.name] = f.maxOccurs > 1 ? [sample(model, f.typeName), sample(model, f.typeName)] : sample(model, f.typeName);
  return out;
}

/** The same value as XML with every sequence written backwards, as some chargers write it. */
function reversedXml(model: WsdlModel, name: string, typeName: string, value: unknown): string {
  const t = model.type(typeName);
  if (t.kind === 'simple' || t.simpleContent) return encodeElement(model, name, typeName, value, 'x');
  const obj = value as Record<string, unknown>;
  const inner = [...t.fields]
    .reverse()
    .flatMap((f) => {
      const v = obj[f.name];
      return v === undefined ? [] : Array.isArray(v) ? v.map((item) => [f, item] as const) : [[f, v] as const];
    })
    .map(([f, v]) => reversedXml(model, f.name, f.typeName, v))
    .join('');
  return `<x:${name}>${inner}</x:${name}>`;
}

const parse = (xml: string, ns: string) => parseXml(xml.replace(/^<x:(\w+)/, `<x:$1 xmlns:x="${ns}"`));

/** Every child is in its type's sequence order, at every level. */
function inWsdlOrder(model: WsdlModel, typeName: string, el: XmlElement): boolean {
  const t = model.type(typeName);
  if (t.kind === 'simple' || t.simpleContent) return true;
  const index = el.children.map((c) => t.fields.findIndex((f) => f.name === c.name));
  const sorted = index.every((i, k) => i >= 0 && (k === 0 || i >= index[k - 1]!));
  return sorted && el.children.every((c) => inWsdlOrder(model, t.fields[index[el.children.indexOf(c)]!]!.typeName, c));
}

describe('the official WSDLs of OCPP 1.2, 1.5 and 1.6 SOAP (docs/translation.md#soap-dialects)', () => {
  it('are the official files, byte for byte', () => {
    const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    assert.deepEqual(
      [ocpp12Soap, ocpp16Soap].flatMap((d) => [sha(d.wsdlFiles.centralSystem), sha(d.wsdlFiles.chargePoint)]),
      [
        '5e3c0f41f39b44367d16f6edef7047fc453a96c1b3561f21a142ef5b76071e3f',
        'accfcbb33d69e7789b627bf4ea17e476afc12ddd6193ce4e3c0f73c97a02f704',
        '7362c69bb8dcb62e9e6fd5d8fca6fd77bcdadbcc9d487df5032b7986e28e9a69',
        'f01cbe77d6f49e4db36956e9d201c4e8634de3f8c96434fc6a159841dd658331',
      ],
    );
  });

  it('name the namespaces of the dialect entries, trailing slash included, and their operation counts', () => {
    const counts: [SoapDialect, number, number][] = [
      [ocpp12Soap, 9, 9],
      [ocpp15Soap, 10, 15],
      [ocpp16Soap, 10, 19],
    ];
    for (const [d, cs, cp] of counts) {
      assert.equal(d.centralSystem().targetNamespace, d.csNamespace, d.id);
      assert.equal(d.chargePoint().targetNamespace, d.cpNamespace, d.id);
      assert.ok(d.csNamespace.endsWith('/') && d.cpNamespace.endsWith('/'));
      assert.deepEqual([d.centralSystem().operations.size, d.chargePoint().operations.size], [cs, cp], d.id);
    }
    assert.ok(!ocpp12Soap.centralSystem().operations.has('DataTransfer'));
    for (const op of ['TriggerMessage', 'SetChargingProfile', 'ClearChargingProfile', 'GetCompositeSchedule'])
      assert.ok(ocpp16Soap.chargePoint().operations.has(op), op);
  });

  it('detect the dialect by the body namespace, either service half, with or without the slash (Q9)', () => {
    for (const d of DIALECTS)
      for (const ns of [d.csNamespace, d.cpNamespace, d.csNamespace.slice(0, -1), d.cpNamespace.slice(0, -1)])
        assert.equal(soapDialectOfVersion(ocppVersionOf(ns)!), d, ns);
  });

  it('carry the Boot answer of each dialect as data: the interval element, Pending, optional fields in 1.2', () => {
    for (const d of DIALECTS) {
      const cs = d.centralSystem();
      const answer = cs.type('BootNotificationResponse') as ComplexType;
      assert.ok(
        answer.fields.some((f) => f.name === d.bootAnswer.intervalField),
        d.id,
      );
      const statuses = (cs.type('RegistrationStatus') as SimpleType).enumeration!;
      assert.equal(statuses.includes('Pending'), d.bootAnswer.pending, d.id);
      const optional = answer.fields.filter((f) => f.minOccurs === 0).map((f) => f.name);
      assert.deepEqual(optional, d.version === '1.2' ? ['currentTime', 'heartbeatInterval'] : [], d.id);
    }
  });

  it('answer with the Action each dialect expects: declared in 1.5 and 1.6, qualified where 1.2 declares none', () => {
    const heartbeat = (d: SoapDialect) => d.responseAction(d.centralSystem().operations.get('Heartbeat')!);
    assert.equal(heartbeat(ocpp15Soap), '/HeartbeatResponse');
    assert.equal(heartbeat(ocpp16Soap), '/HeartbeatResponse');
    assert.equal(heartbeat(ocpp12Soap), 'urn://Ocpp/Cs/2010/08/CentralSystemService/HeartbeatResponse');
    assert.ok(!ocpp12Soap.centralSystem().operations.get('Heartbeat')!.outputActionDeclared);
  });

  for (const d of DIALECTS) {
    for (const [service, modelOf] of SERVICES) {
      it(`${d.title} ${service}: every request and response encodes in WSDL order and decodes in any order`, () => {
        const model = modelOf(d);
        let checked = 0;
        for (const op of model.operations.values()) {
          for (const [element, typeName] of [
            [op.requestElement, op.requestType],
            [op.responseElement, op.responseType],
          ] as const) {
            const value = sample(model, typeName);
            const type = model.type(typeName) as ComplexType;
            const encoded = parse(encodeElement(model, element, typeName, value, 'x'), model.targetNamespace);
            assert.ok(inWsdlOrder(model, typeName, encoded), `${element} in WSDL order`);
            assert.deepEqual(decodeComplex(model, type, encoded, element), value, `${element} decoded`);
            const backwards = parse(reversedXml(model, element, typeName, value), model.targetNamespace);
            if (type.fields.length > 1) assert.ok(!inWsdlOrder(model, typeName, backwards), `${element} reversed`);
            assert.deepEqual(decodeComplex(model, type, backwards, element), value, `${element} decoded backwards`);
            checked++;
          }
        }
        assert.equal(checked, model.operations.size * 2);
      });
    }
  }
});

describe('1.6 SOAP bodies as real chargers write them (docs/charger-quirks.md#q13-element-order)', () => {
  const cs = ocpp16Soap.centralSystem();
  const decode = (type: string, xml: string) => decodeComplex(cs, cs.type(type) as ComplexType, parseXml(xml), type);

  it('meterStart before timestamp, and sampledValue with value last', () => {
    const start = decode(
      'StartTransactionRequest',
      '<r xmlns="urn://Ocpp/Cs/2015/10/"><connectorId>1</connectorId><idTag>T</idTag><meterStart>100</meterStart><timestamp>2024-05-01T12:00:00Z</timestamp></r>',
    );
    assert.deepEqual(start, { connectorId: 1, idTag: 'T', timestamp: '2024-05-01T12:00:00Z', meterStart: 100 });
    const mv = decode(
      'MeterValuesRequest',
      '<r xmlns="urn://Ocpp/Cs/2015/10/"><meterValue><sampledValue><unit>Celsius</unit><measurand>Temperature</measurand><value>21.5</value></sampledValue><timestamp>2024-05-01T12:00:00Z</timestamp></meterValue><connectorId>1</connectorId></r>',
    );
    assert.deepEqual(mv, {
      connectorId: 1,
      meterValue: [
        {
          timestamp: '2024-05-01T12:00:00Z',
          sampledValue: [{ value: '21.5', measurand: 'Temperature', unit: 'Celsius' }],
        },
      ],
    });
  });

  it('DecimalOne: read as a number, written with one decimal whatever the number', () => {
    const cp = ocpp16Soap.chargePoint();
    const period = cp.type('ChargingSchedulePeriod') as ComplexType;
    const read = decodeComplex(cp, period, parseXml('<p><limit>16.0</limit><startPeriod>0</startPeriod></p>'), 'p');
    assert.deepEqual(read, { startPeriod: 0, limit: 16 });
    assert.throws(() =>
      decodeComplex(cp, period, parseXml('<p><startPeriod>0</startPeriod><limit>x</limit></p>'), 'p'),
    );
    const xml = encodeElement(
      cp,
      'chargingSchedulePeriod',
      'ChargingSchedulePeriod',
      { startPeriod: 0, limit: 7.06 },
      'x',
    );
    assert.equal(
      xml,
      '<x:chargingSchedulePeriod><x:startPeriod>0</x:startPeriod><x:limit>7.1</x:limit></x:chargingSchedulePeriod>',
    );
    assert.deepEqual(orderLikeWsdl(cp, 'ChargingSchedulePeriod', { limit: 16.24, startPeriod: 0 }), {
      startPeriod: 0,
      limit: 16.2,
    });
  });
});
