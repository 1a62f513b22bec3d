import { NS } from './namespaces.js';
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

/**
 * One header normaliser for both directions. Header elements arrive in any order, with any prefix, with or without
 * mustUnderstand (docs/charger-quirks.md Q5, Q8). chargeBoxIdentity is matched case-insensitively in any namespace
 * (OCPP-S section 3.3 and Q9); WS-Addressing headers in the 2005/08 or 2004/08 namespace. Attributes are ignored and
 * text is trimmed. The first of a header counts; one that is empty is left out.
 */
export function normaliseHeaders(header: XmlElement | undefined): SoapHeaders {
  const found: SoapHeaders = {};
  for (const h of header?.children ?? []) {
    // No look-up keyed by a name or a namespace: each would hash strings that are new with every message
    // (docs/architecture.md#design-choices).
    const name = h.name;
    if (name.length === 17 && name.toLowerCase() === 'chargeboxidentity') found.chargeBoxIdentity ??= h.text.trim();
    else if (isWsa(h.ns)) readWsa(found, name, h);
  }
  return presentOf(found);
}

/** The headers found that are not empty, each stored by name in one order: one object shape for the usual set. */
function presentOf(found: SoapHeaders): SoapHeaders {
  const out: SoapHeaders = {};
  if (found.chargeBoxIdentity) out.chargeBoxIdentity = found.chargeBoxIdentity;
  if (found.action) out.action = found.action;
  if (found.messageId) out.messageId = found.messageId;
  if (found.relatesTo) out.relatesTo = found.relatesTo;
  if (found.fromAddress) out.fromAddress = found.fromAddress;
  if (found.replyToAddress) out.replyToAddress = found.replyToAddress;
  if (found.to) out.to = found.to;
  return out;
}

const isWsa = (ns: string | undefined) => ns === NS.wsa || ns === NS.wsa2004;

/** A WS-Addressing header's value: the text of most, the text of the Address child of From and ReplyTo; others none. */
function readWsa(found: SoapHeaders, name: string, h: XmlElement): void {
  if (name === 'Action') found.action ??= h.text.trim();
  else if (name === 'MessageID') found.messageId ??= h.text.trim();
  else if (name === 'RelatesTo') found.relatesTo ??= h.text.trim();
  else if (name === 'To') found.to ??= h.text.trim();
  else if (name === 'From') found.fromAddress ??= child(h, 'Address')?.text.trim();
  else if (name === 'ReplyTo') found.replyToAddress ??= child(h, 'Address')?.text.trim();
}
