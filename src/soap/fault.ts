import { faultCodeOf, type FaultSubcode, type SoapFault } from '../ocpp/soap-fault.js';
import { NS } from './namespaces.js';
import { escapeXml } from './xml.js';

/** A request that ends as a SOAP Fault at the edge: thrown by decoding, answered by the endpoint. */
export class SoapFaultError extends Error implements SoapFault {
  override name = 'SoapFaultError';
  readonly code: SoapFault['code'];
  constructor(
    readonly subcode: FaultSubcode,
    readonly reason: string,
  ) {
    super(`${faultCodeOf(subcode)}/${subcode}: ${reason}`);
    this.code = faultCodeOf(subcode);
  }

  toFault(): SoapFault {
    return { code: this.code, subcode: this.subcode, reason: this.reason };
  }
}

/** SOAP 1.2 HTTP binding (part 2, 7.5.2): Sender faults are 400, all others 500. */
export function httpStatusOfFault(fault: SoapFault): number {
  return fault.code === 'Sender' ? 400 : 500;
}

/** The Fault element; the Subcode value is qualified in the service namespace, as OCPP-S section 4 shows. */
export function faultXml(fault: SoapFault, serviceNamespace: string): string {
  return (
    `<s:Fault><s:Code><s:Value>s:${fault.code}</s:Value>` +
    `<s:Subcode><s:Value xmlns:o="${serviceNamespace}">o:${fault.subcode}</s:Value></s:Subcode></s:Code>` +
    `<s:Reason><s:Text xml:lang="en">${escapeXml(fault.reason)}</s:Text></s:Reason></s:Fault>`
  );
}

/**
 * SOAP 1.1 VersionMismatch fault in a SOAP 1.1 envelope (docs/charger-quirks.md#q20-soap-11-envelopes): a 1.1 request
 * is refused in its own version, and a 1.2 request is never answered in 1.1.
 */
export function soap11VersionMismatch(): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${NS.soap11}"><soap:Body><soap:Fault>` +
    `<faultcode>soap:VersionMismatch</faultcode>` +
    `<faultstring>OCPP over SOAP requires SOAP 1.2 (envelope namespace ${NS.soap12})</faultstring>` +
    `</soap:Fault></soap:Body></soap:Envelope>`
  );
}
