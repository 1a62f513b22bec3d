import { WSA_NAMESPACES } from './namespaces.js';
import { child, type XmlElement } from './xml.js';

/** The SOAP headers the gateway reads, normalised to trimmed text (docs/charger-quirks.md Q1, Q4, Q5, Q10, Q11). */
export interface SoapHeaders {
  chargeBoxIdentity?: string;
  action?: string;
  messageId?: string;
  relatesTo?: string;
  fromAddress?: string;
  replyToAddress?: string;
  to?: string;
}

/** The WS-Addressing headers read as their text, and those read as the text of their Address child. */
const WSA_TEXT = new Map<string, 'action' | 'messageId' | 'relatesTo' | 'to'>([
  ['Action', 'action'],
  ['MessageID', 'messageId'],
  ['RelatesTo', 'relatesTo'],
  ['To', 'to'],
]);
const WSA_ADDRESS = new Map<string, 'fromAddress' | 'replyToAddress'>([
  ['From', 'fromAddress'],
  ['ReplyTo', 'replyToAddress'],
]);

/**
 * One header normaliser for both directions. Header elements arrive in any order, with any prefix, with or without
 * mustUnderstand (docs/charger-quirks.md Q5, Q8). chargeBoxIdentity is matched case-insensitively in any namespace
 * (OCPP-S section 3.3 and
 * Q9); WS-Addressing headers in the 2005/08 or 2004/08 namespace. Attributes are ignored and text is trimmed.
 */
export function normaliseHeaders(header: XmlElement | undefined): SoapHeaders {
  const out: SoapHeaders = {};
  for (const h of header?.children ?? []) {
    if (h.name.toLowerCase() === 'chargeboxidentity') {
      out.chargeBoxIdentity ??= h.text.trim();
      continue;
    }
    if (!h.ns || !WSA_NAMESPACES.has(h.ns)) continue;
    const text = WSA_TEXT.get(h.name);
    if (text) out[text] ??= h.text.trim();
    const address = WSA_ADDRESS.get(h.name);
    if (address) out[address] ??= child(h, 'Address')?.text.trim();
  }
  for (const key of Object.keys(out) as (keyof SoapHeaders)[]) if (!out[key]) delete out[key];
  return out;
}
