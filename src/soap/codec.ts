import { parseIsoTimeIn } from '../util/iso-time.js';
import { SoapFaultError } from './fault.js';
import type { ComplexType, Field, SimpleType, WsdlModel } from './wsdl-model.js';
import { attr as attrOf, escapeXml, innerXml, type XmlElement } from './xml.js';

/**
 * Body codec driven by the WSDL model.
 *
 * decode: tolerant where real chargers differ from the WSDL (docs/charger-quirks.md: element order, Q13;
 * namespace of children, Q9; nil and empty values, Q12; XML inside string elements, Q15) and strict where a value
 * cannot be translated
 * (missing or nil required field, not an xs:int, unknown enumeration value): those end as Sender/ProtocolError.
 *
 * encode: always in WSDL sequence order with one stable prefix (docs/charger-quirks.md Q8, Q13), whatever the key order
 * of the object.
 */

export type Decoded = string | number | boolean | DecodedObject | Decoded[];
export interface DecodedObject {
  [key: string]: Decoded | undefined;
}

const INT_PATTERN = /^[+-]?\d{1,10}$/;
const DECIMAL_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const DATETIME_PATTERN = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const isNil = (el: XmlElement): boolean => {
  const nil = attrOf(el, 'nil');
  return nil === 'true' || nil === '1';
};

function protocolError(path: string, message: string): SoapFaultError {
  return new SoapFaultError('ProtocolError', `${path}: ${message}`);
}

/** Decodes an element of a complex type into a plain object; arrays for maxOccurs > 1. */
export function decodeComplex(model: WsdlModel, type: ComplexType, el: XmlElement, path: string): DecodedObject {
  const out: DecodedObject = {};
  if (type.simpleContent) {
    out.$value = decodeSimple(model.type(type.simpleContent.typeName) as SimpleType, el, path, '', true) as string;
    for (const attr of type.simpleContent.attributes) {
      const raw = attrOf(el, attr.name);
      if (raw === undefined) continue;
      out[attr.name] = checkSimple(model.type(attr.typeName) as SimpleType, raw.trim(), path, attr.name, '@');
    }
    return out;
  }
  for (const field of type.fields) decodeField(model, field, el.children, path, out);
  return out;
}

/**
 * One field of a complex type, from the children named like it, into `out`. The children are read in place and a
 * field's path is written out only for a nested type or an error: both ran for every field of every message
 * (docs/architecture.md, "Design choices").
 */
function decodeField(model: WsdlModel, field: Field, children: XmlElement[], path: string, out: DecodedObject): void {
  const fieldType = model.type(field.typeName);
  const many = field.maxOccurs !== 1;
  const values: Decoded[] | undefined = many ? [] : undefined;
  let first: Decoded | undefined;
  let count = 0;
  let occurrences = 0;
  for (let i = 0; i < children.length; i++) {
    const occurrence = children[i]!;
    if (occurrence.name !== field.name) continue;
    occurrences++;
    if (isNil(occurrence)) continue;
    const value =
      fieldType.kind === 'complex'
        ? decodeComplex(model, fieldType, occurrence, pathOf(path, field.name))
        : decodeSimple(fieldType, occurrence, path, field.name, field.minOccurs > 0);
    if (value === undefined) continue;
    if (count++ === 0) first = value;
    values?.push(value);
  }
  if (count < field.minOccurs) {
    const seen = occurrences > 0 ? 'is nil or empty' : 'is missing';
    throw protocolError(pathOf(path, field.name), `required element ${seen}`);
  }
  if (values) out[field.name] = values;
  else if (count > 1) throw protocolError(pathOf(path, field.name), `occurs ${count} times, at most once allowed`);
  else if (count === 1) out[field.name] = first;
}

/** The path of a field (`/`) or an attribute (`@`) named `name` inside `path` (`name` empty: `path` itself). */
const pathOf = (path: string, name: string, separator = '/'): string =>
  name === '' ? path : `${path}${separator}${name}`;

/** A simple value of the element at `path`/`name` (the path is written out only in an error). */
function decodeSimple(
  type: SimpleType,
  el: XmlElement,
  path: string,
  name: string,
  required: boolean,
): Decoded | undefined {
  // An unrestricted xs:string is opaque: kept byte for byte, child XML serialised back to text
  // (docs/charger-quirks.md#q15-opaque-datatransfer-data).
  const opaque = type.name === 'string' && type.base === 'string';
  const raw = el.children.length > 0 ? (opaque ? innerXml(el) : undefined) : el.text;
  if (raw === undefined) throw protocolError(pathOf(path, name), 'expected a simple value, found child elements');
  const text = opaque ? raw : raw.trim();
  if (text === '') {
    if (required) throw protocolError(pathOf(path, name), 'required element is nil or empty');
    return type.base === 'string' && !type.enumeration ? '' : undefined;
  }
  return checkSimple(type, text, path, name);
}

/** A simple value's text checked and converted; the path of `name` inside `path` is written out only in an error. */
function checkSimple(type: SimpleType, text: string, path: string, name: string, separator = '/'): Decoded {
  switch (type.base) {
    case 'int': {
      const n = Number(text);
      if (!INT_PATTERN.test(text) || n < INT32_MIN || n > INT32_MAX)
        throw protocolError(pathOf(path, name, separator), `'${clip(text)}' is not an xs:int`);
      return n;
    }
    case 'decimal':
      // JSON wants a number (1.6 limit, minChargingRate); the text form is read, not its digits checked.
      if (!DECIMAL_PATTERN.test(text) || !Number.isFinite(Number(text)))
        throw protocolError(pathOf(path, name, separator), `'${clip(text)}' is not an xs:decimal`);
      return Number(text);
    case 'boolean':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      throw protocolError(pathOf(path, name, separator), `'${clip(text)}' is not an xs:boolean`);
    case 'dateTime':
      if (!DATETIME_PATTERN.test(text) || Number.isNaN(parseIsoTimeIn(text, 'Z'))) {
        throw protocolError(pathOf(path, name, separator), `'${clip(text)}' is not an xs:dateTime`);
      }
      return text;
    default:
      if (type.enumeration && !type.enumeration.includes(text)) {
        const allowed = type.enumeration.join(', ');
        throw protocolError(pathOf(path, name, separator), `'${clip(text)}' is not one of ${type.name} (${allowed})`);
      }
      return text;
  }
}

const clip = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}...` : s);

/**
 * Encodes `value` as element `elementName` of `type`, children in WSDL sequence order, every element qualified with
 * `prefix` (elementFormDefault="qualified"); simpleContent attributes stay unqualified (no attributeFormDefault).
 */
export function encodeElement(
  model: WsdlModel,
  elementName: string,
  typeName: string,
  value: unknown,
  prefix: string,
): string {
  const type = model.type(typeName);
  const tag = `${prefix}:${elementName}`;
  if (type.kind === 'simple') return `<${tag}>${escapeXml(formatSimple(roundDecimal(type, value)))}</${tag}>`;
  const obj = (value ?? {}) as Record<string, unknown>;
  if (type.simpleContent) {
    const attrs = type.simpleContent.attributes
      .filter((a) => obj[a.name] !== undefined)
      .map((a) => ` ${a.name}="${escapeXml(formatSimple(obj[a.name]))}"`)
      .join('');
    return `<${tag}${attrs}>${escapeXml(formatSimple(obj.$value))}</${tag}>`;
  }
  let inner = '';
  for (const field of type.fields) {
    const fieldValue = obj[field.name];
    if (fieldValue === undefined || fieldValue === null) continue;
    const items = Array.isArray(fieldValue) ? fieldValue : [fieldValue];
    for (const item of items) inner += encodeElement(model, field.name, field.typeName, item, prefix);
  }
  return inner === '' ? `<${tag}/>` : `<${tag}>${inner}</${tag}>`;
}

/** A number for an xs:decimal with fractionDigits is rounded to them (1.6 DecimalOne: 16.25 is sent as 16.3). */
function roundDecimal(type: SimpleType, value: unknown): unknown {
  if (type.base !== 'decimal' || type.fractionDigits === undefined || typeof value !== 'number') return value;
  return Number(value.toFixed(type.fractionDigits));
}

function formatSimple(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return '';
  return JSON.stringify(value);
}

/**
 * Returns `value` with its keys in WSDL order (node-soap serialises in key order; strict chargers need sequence order).
 */
export function orderLikeWsdl(model: WsdlModel, typeName: string, value: unknown): unknown {
  const type = model.type(typeName);
  if (type.kind === 'simple') return roundDecimal(type, value);
  if (type.simpleContent || value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const field of type.fields) {
    const v = obj[field.name];
    if (v === undefined) continue;
    ordered[field.name] = Array.isArray(v)
      ? v.map((item) => orderLikeWsdl(model, field.typeName, item))
      : orderLikeWsdl(model, field.typeName, v);
  }
  return ordered;
}
