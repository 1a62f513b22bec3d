import { escapeXml } from '../soap/xml.js';

/**
 * The API's wire format (docs/fleet-api.md#the-endpoint): SOAP 1.1, the operation in the ChargePoint namespace
 * under the prefix `ns1`, children unqualified, the envelope under `soapenv`. Clients match those prefixes and an
 * explicitly closed `<responseText>` as strings, so the answer is written by hand rather than by a SOAP library.
 */
export const CP_NS = 'urn:dictionary:com.chargepoint.webservices';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';

/** One element of an answer: a value, a list of children, or undefined (omitted: never invented). */
export type Field = readonly [name: string, value: string | number | boolean | readonly Field[] | undefined];

export function fieldsXml(fields: readonly Field[]): string {
  let out = '';
  for (const [name, value] of fields) {
    if (value === undefined) continue;
    if (Array.isArray(value)) out += `<${name}>${fieldsXml(value as readonly Field[])}</${name}>`;
    else out += `<${name}>${escapeXml(String(value))}</${name}>`;
  }
  return out;
}

/** kWh and kW as the guide prints them: up to six decimals, no trailing zeros beyond what is needed. */
export function decimal(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}

/** ISO 8601 UTC without milliseconds, as the guide's samples write times. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function envelopeXml(operation: string, fields: readonly Field[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP11_NS}">` +
    `<soapenv:Body><ns1:${operation}Response xmlns:ns1="${CP_NS}">${fieldsXml(fields)}</ns1:${operation}Response>` +
    '</soapenv:Body></soapenv:Envelope>'
  );
}

/** The common parameters every answer but getCPNInstances starts with (§3.4): code, then a never-empty text. */
export function answer(code: number, text: string, rest: readonly Field[] = []): Field[] {
  return [['responseCode', String(code)], ['responseText', text], ...rest];
}

export const OK_TEXT = 'API input request executed successfully.';

/**
 * A SOAP 1.1 Fault. `code` is a qualified name: `wsse:FailedAuthentication` and `wsse:InvalidSecurity` for
 * credentials (the local names clients test), `soapenv:Client` for a request that is not an API call.
 */
export function faultXml(code: string, text: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP11_NS}" xmlns:wsse="${WSSE_NS}">` +
    `<soapenv:Body><soapenv:Fault><faultcode>${code}</faultcode><faultstring>${escapeXml(text)}</faultstring>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  );
}
