/** XML namespaces on the OCPP SOAP wire (translation map A.1, A.2, A.8). */
export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsa: 'http://www.w3.org/2005/08/addressing',
  /** WS-Addressing submission namespace; some stacks still send it (map G.3). Accepted, never sent. */
  wsa2004: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  cs15: 'urn://Ocpp/Cs/2012/06/',
  cp15: 'urn://Ocpp/Cp/2012/06/',
} as const;

export const WSA_ANONYMOUS = new Set([
  'http://www.w3.org/2005/08/addressing/anonymous',
  'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous',
  'http://www.w3.org/2005/08/addressing/none',
]);

export const WSA_NAMESPACES = new Set<string>([NS.wsa, NS.wsa2004]);

export type OcppSoapVersion = '1.2' | '1.5' | '1.6';

/**
 * OCPP version from the namespace of the first Body child (map A.8, as SteVe's MediatorInInterceptor does).
 * Either service half is accepted (quirk Q9); 1.6 URNs with and without the trailing slash.
 */
export function ocppVersionOf(namespace: string | undefined): OcppSoapVersion | undefined {
  if (!namespace) return undefined;
  const m = /^urn:\/\/Ocpp\/C[sp]\/(\d{4}\/\d{2})\/?$/i.exec(namespace.trim());
  switch (m?.[1]) {
    case '2010/08':
      return '1.2';
    case '2012/06':
      return '1.5';
    case '2015/10':
      return '1.6';
    default:
      return undefined;
  }
}
