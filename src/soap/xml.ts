import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A namespace-resolved XML element. Chargers use at least six prefix styles (quirk Q8), so everything downstream
 * matches on namespace URI + local name, never on prefixes.
 */
export interface XmlElement {
  /** Namespace URI, or undefined when the element is unqualified or its prefix is not declared. */
  ns: string | undefined;
  /** Local name (prefix removed). */
  name: string;
  /** Attributes by local name (prefix removed: `xsi:nil` is `nil`, even when `xsi` is undeclared, quirk Q12). */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element (untrimmed). */
  text: string;
  /** Raw preserved-order node, kept only to re-serialise mixed content (DataTransfer data, quirk Q15). */
  raw: unknown;
}

export class XmlError extends Error {
  override name = 'XmlError';
}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  maxAttributeLength: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 32, maxElements: 20_000, maxAttributeLength: 8_192 };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Only the five predefined entities and character references; DOCTYPE is refused before parsing, so no
  // declared entity can ever be expanded (no XXE, no billion laughs).
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // No callbacks use the tag path: do not build its string for every element (issue 5 profile).
  jPath: false,
});

/** DOCTYPE or ENTITY declarations have no place in SOAP (SOAP 1.2 part 1, section 5) and are the XXE/bomb vector. */
const DTD_PATTERN = /<!\s*(DOCTYPE|ENTITY)/i;

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Parses a document into a namespace-resolved tree. Throws XmlError with a one-line reason. */
export function parseXml(xml: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  if (DTD_PATTERN.test(xml)) throw new XmlError('DOCTYPE and ENTITY declarations are not allowed');
  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (valid !== true) {
    throw new XmlError(`malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  }
  let nodes: unknown;
  try {
    nodes = parser.parse(xml);
  } catch (err) {
    throw new XmlError(`malformed XML: ${(err as Error).message}`);
  }
  const roots = (nodes as Record<string, unknown>[]).filter((n) => elementName(n) !== undefined);
  if (roots.length !== 1) throw new XmlError(`expected one root element, found ${roots.length}`);
  const counter = { elements: 0 };
  return resolve(roots[0]!, new Map([['xml', XML_NS]]), 1, limits, counter);
}

function elementName(node: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(node)) if (key !== ':@' && key !== '#text') return key;
  return undefined;
}

function resolve(
  node: Record<string, unknown>,
  parentScope: Map<string, string>,
  depth: number,
  limits: XmlLimits,
  counter: { elements: number },
): XmlElement {
  if (depth > limits.maxDepth) throw new XmlError(`XML nesting deeper than ${limits.maxDepth} levels`);
  if (++counter.elements > limits.maxElements) throw new XmlError(`more than ${limits.maxElements} XML elements`);
  const qname = elementName(node)!;
  const rawAttrs = (node[':@'] as Record<string, string> | undefined) ?? {};
  let scope = parentScope;
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (value.length > limits.maxAttributeLength) throw new XmlError(`attribute ${key} longer than ${limits.maxAttributeLength} characters`);
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      scope.set(key === 'xmlns' ? '' : key.slice(6), value);
    } else {
      attrs[localPart(key)] = value;
    }
  }
  const colon = qname.indexOf(':');
  const prefix = colon >= 0 ? qname.slice(0, colon) : '';
  const ns = scope.get(prefix) || undefined;
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[qname] as Record<string, unknown>[]) ?? []) {
    if ('#text' in child) text += String(child['#text']);
    else if (elementName(child) !== undefined) children.push(resolve(child, scope, depth + 1, limits, counter));
  }
  return { ns, name: localPart(qname), attrs, children, text, raw: node };
}

function localPart(qname: string): string {
  const colon = qname.indexOf(':');
  return colon >= 0 ? qname.slice(colon + 1) : qname;
}

/** First child with this local name (and namespace, when given). */
export function child(el: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Re-serialises an element's content (child elements and text) as it arrived, for opaque payloads (quirk Q15). */
export function innerXml(el: XmlElement): string {
  const qname = elementName(el.raw as Record<string, unknown>)!;
  return serialiseNodes(((el.raw as Record<string, unknown>)[qname] as Record<string, unknown>[]) ?? []);
}

function serialiseNodes(nodes: Record<string, unknown>[]): string {
  let out = '';
  for (const node of nodes) {
    if ('#text' in node) {
      out += escapeXml(String(node['#text']));
      continue;
    }
    const qname = elementName(node);
    if (!qname) continue;
    const attrs = Object.entries((node[':@'] as Record<string, string> | undefined) ?? {})
      .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
      .join('');
    const inner = serialiseNodes((node[qname] as Record<string, unknown>[]) ?? []);
    out += inner === '' ? `<${qname}${attrs}/>` : `<${qname}${attrs}>${inner}</${qname}>`;
  }
  return out;
}
