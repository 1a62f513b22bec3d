import { readFileSync } from 'node:fs';
import { attr, child, parseXml, type XmlElement } from './xml.js';

/**
 * The part of a WSDL the gateway works from: operations, their body elements and Actions, and every type with its
 * sequence, cardinalities, maxLength and enumerations. Decoding requests and encoding responses are driven by this
 * model, so the endpoint is built from wsdl/ and a WSDL change needs no code change.
 */

export type BuiltinType = 'string' | 'int' | 'decimal' | 'dateTime' | 'boolean' | 'anyURI';

export interface SimpleType {
  kind: 'simple';
  name: string;
  base: BuiltinType;
  maxLength?: number;
  /** xs:decimal digits after the point (1.6 DecimalOne: one). */
  fractionDigits?: number;
  enumeration?: readonly string[];
}

export interface Field {
  name: string;
  typeName: string;
  minOccurs: number;
  maxOccurs: number;
}

export interface Attribute {
  name: string;
  typeName: string;
}

export interface ComplexType {
  kind: 'complex';
  name: string;
  fields: Field[];
  /** simpleContent extension: element text plus unqualified attributes (MeterValue.value). */
  simpleContent?: { typeName: string; attributes: Attribute[] };
}

export type TypeDef = SimpleType | ComplexType;

export interface Operation {
  name: string;
  requestElement: string;
  responseElement: string;
  requestType: string;
  responseType: string;
  inputAction: string;
  outputAction: string;
  /** Whether the WSDL declares the output Action (1.5, 1.6) or outputAction is the OCPP-S default (1.2). */
  outputActionDeclared: boolean;
}

export interface WsdlModel {
  targetNamespace: string;
  serviceName: string;
  operations: ReadonlyMap<string, Operation>;
  /**
   * Lower-cased request element local name -> operation (bodies are matched by local name,
   * docs/charger-quirks.md#q9-wrong-ocpp-namespace).
   */
  operationsByRequestElement: ReadonlyMap<string, Operation>;
  /** Lower-cased response element local name -> operation (for parsing charger responses). */
  operationsByResponseElement: ReadonlyMap<string, Operation>;
  type(name: string): TypeDef;
}

const XSD = 'http://www.w3.org/2001/XMLSchema';
const WSDL = 'http://schemas.xmlsoap.org/wsdl/';
const BUILTINS: Record<string, BuiltinType> = {
  string: 'string',
  int: 'int',
  decimal: 'decimal',
  dateTime: 'dateTime',
  boolean: 'boolean',
  anyURI: 'anyURI',
};

const local = (qname: string | undefined): string => (qname ?? '').replace(/^.*:/, '');

export function loadWsdlModel(xml: string): WsdlModel {
  const root = parseXml(xml, { maxDepth: 64, maxElements: 100_000, maxAttributeLength: 100_000 });
  const targetNamespace = attr(root, 'targetNamespace') ?? '';
  const types = new Map<string, TypeDef>();
  for (const [name, base] of Object.entries(BUILTINS)) types.set(`xs:${name}`, { kind: 'simple', name, base });
  const elements = new Map<string, string>();

  const typesEl = child(root, 'types', WSDL);
  for (const schema of typesEl?.children.filter((c) => c.name === 'schema' && c.ns === XSD) ?? []) {
    for (const def of schema.children) {
      const name = attr(def, 'name')!;
      if (def.name === 'simpleType') types.set(name, readSimpleType(def, name));
      else if (def.name === 'complexType') readComplexType(def, name, types);
      else if (def.name === 'element') elements.set(name, typeRef(attr(def, 'type')));
    }
  }

  const messages = new Map<string, string>();
  for (const msg of root.children.filter((c) => c.name === 'message' && c.ns === WSDL)) {
    const element = attr(child(msg, 'part', WSDL), 'element');
    if (element) messages.set(attr(msg, 'name')!, local(element));
  }

  const operations = new Map<string, Operation>();
  const portType = child(root, 'portType', WSDL);
  for (const op of portType?.children.filter((c) => c.name === 'operation') ?? []) {
    const input = child(op, 'input', WSDL)!;
    const output = child(op, 'output', WSDL)!;
    const requestElement = messages.get(local(attr(input, 'message')))!;
    const responseElement = messages.get(local(attr(output, 'message')))!;
    const name = attr(op, 'name')!;
    const outputAction = attr(output, 'Action');
    operations.set(name, {
      name,
      requestElement,
      responseElement,
      requestType: elements.get(requestElement)!,
      responseType: elements.get(responseElement)!,
      inputAction: attr(input, 'Action') ?? `/${name}`,
      outputAction: outputAction ?? `/${name}Response`,
      outputActionDeclared: outputAction !== undefined,
    });
  }
  const service = child(root, 'service', WSDL);

  return {
    targetNamespace,
    serviceName: attr(service, 'name') ?? '',
    operations,
    operationsByRequestElement: new Map([...operations.values()].map((o) => [o.requestElement.toLowerCase(), o])),
    operationsByResponseElement: new Map([...operations.values()].map((o) => [o.responseElement.toLowerCase(), o])),
    type(name: string): TypeDef {
      const t = types.get(name);
      if (!t) throw new Error(`WSDL type ${name} is not defined`);
      return t;
    },
  };
}

/** Type references: `s:int` (XML Schema built-in) becomes `xs:int`; `tns:IdToken` becomes `IdToken`. */
function typeRef(qname: string | undefined): string {
  const name = local(qname);
  return BUILTINS[name] && !qname?.startsWith('tns:') ? `xs:${name}` : name;
}

function readSimpleType(def: XmlElement, name: string): SimpleType {
  const restriction = child(def, 'restriction', XSD)!;
  const base = BUILTINS[local(attr(restriction, 'base'))] ?? 'string';
  const maxLength = attr(child(restriction, 'maxLength', XSD), 'value');
  const fractionDigits = attr(child(restriction, 'fractionDigits', XSD), 'value');
  const enumeration = restriction.children.filter((c) => c.name === 'enumeration').map((c) => attr(c, 'value')!);
  return {
    kind: 'simple',
    name,
    base,
    ...(maxLength ? { maxLength: Number(maxLength) } : {}),
    ...(fractionDigits ? { fractionDigits: Number(fractionDigits) } : {}),
    ...(enumeration.length ? { enumeration } : {}),
  };
}

function readComplexType(def: XmlElement, name: string, types: Map<string, TypeDef>): void {
  const fields: Field[] = [];
  const sequence = child(def, 'sequence', XSD);
  for (const el of sequence?.children.filter((c) => c.name === 'element') ?? []) {
    let typeName: string;
    const fieldName = attr(el, 'name')!;
    const minOccurs = attr(el, 'minOccurs');
    const maxOccurs = attr(el, 'maxOccurs');
    const inline = child(el, 'complexType', XSD);
    if (inline) {
      typeName = `${name}.${fieldName}`;
      readComplexType(inline, typeName, types);
    } else {
      typeName = typeRef(attr(el, 'type'));
    }
    fields.push({
      name: fieldName,
      typeName,
      minOccurs: minOccurs === undefined ? 1 : Number(minOccurs),
      maxOccurs: maxOccurs === 'unbounded' ? Infinity : maxOccurs === undefined ? 1 : Number(maxOccurs),
    });
  }
  const complexType: ComplexType = { kind: 'complex', name, fields };
  const extension = child(child(def, 'simpleContent', XSD) ?? def, 'extension', XSD);
  if (extension) {
    complexType.simpleContent = {
      typeName: typeRef(attr(extension, 'base')),
      attributes: extension.children
        .filter((c) => c.name === 'attribute')
        .map((a) => ({ name: attr(a, 'name')!, typeName: typeRef(attr(a, 'type')) })),
    };
  }
  types.set(name, complexType);
}

const models = new Map<string, WsdlModel>();

/** The model of a WSDL file, parsed once per process. */
export function wsdlModel(file: string): WsdlModel {
  let model = models.get(file);
  if (!model) models.set(file, (model = loadWsdlModel(readFileSync(file, 'utf8'))));
  return model;
}
