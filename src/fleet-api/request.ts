import { attr, type XmlElement, XmlError, parseXml } from '../soap/xml.js';

/** An API request as the dispatcher needs it: the operation's local name, its element, and the UsernameToken. */
export interface ApiRequest {
  operation: string;
  body: XmlElement;
  /** Absent: no Security header or no UsernameToken in it. */
  token?: { username: string; password: string; passwordType?: string };
}

export class RequestError extends Error {
  override name = 'RequestError';
}

/** First child with this local name, whatever its namespace (the guide's samples use three spellings of it). */
export function byName(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function textOf(el: XmlElement | undefined, name: string): string | undefined {
  const found = byName(el, name);
  if (!found) return undefined;
  const text = found.text.trim();
  return text === '' ? undefined : text;
}

/**
 * Reads an envelope leniently (docs/fleet-api.md#what-is-accepted): elements by local name, any namespace for
 * the operation and the Security header (the guide misspells both), SOAP 1.1 or 1.2 envelopes. Throws RequestError
 * when the text is not XML or not an envelope with a body.
 */
export function readApiRequest(xml: string): ApiRequest {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (err) {
    throw new RequestError(err instanceof XmlError ? `not well-formed XML: ${err.message}` : 'not XML');
  }
  if (root.name !== 'Envelope') throw new RequestError('the document is not a SOAP envelope');
  const body = byName(root, 'Body')?.children[0];
  if (!body) throw new RequestError('the SOAP Body holds no operation');
  const token = byName(byName(byName(root, 'Header'), 'Security'), 'UsernameToken');
  const password = byName(token, 'Password');
  return {
    operation: body.name,
    body,
    token: token && {
      username: textOf(token, 'Username') ?? '',
      password: password?.text ?? '',
      passwordType: attr(password, 'Type'),
    },
  };
}
