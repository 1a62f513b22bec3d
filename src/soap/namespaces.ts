/** XML namespaces of SOAP and WS-Addressing (docs/translation.md#soap-wire-rules); OCPP's own are in dialects.ts. */
export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsa: 'http://www.w3.org/2005/08/addressing',
  /**
   * WS-Addressing submission namespace; some stacks still send it (docs/translation.md#soap-wire-rules). Accepted,
   * never sent.
   */
  wsa2004: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
} as const;

export const WSA_ANONYMOUS = new Set([
  'http://www.w3.org/2005/08/addressing/anonymous',
  'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous',
  'http://www.w3.org/2005/08/addressing/none',
]);
