import { C } from './xml-chars.js';

/**
 * A namespace-resolved XML element. Chargers use at least six prefix styles
 * (docs/charger-quirks.md#q8-many-serializers-and-prefixes), so everything downstream
 * matches on namespace URI + local name, never on prefixes.
 */
export interface XmlElement {
  /** Namespace URI, or undefined when the element is unqualified or its prefix is not declared. */
  ns: string | undefined;
  /** Local name (prefix removed). */
  name: string;
  /**
   * Attributes as written, in pairs (name, value), namespace declarations left out; read them with `attr`, which
   * matches the local name. A list rather than an object keyed by name: every new key made each element's object a
   * shape of its own, and V8 stored into them on its slowest path (docs/architecture.md, "Design choices").
   */
  attrs: readonly string[];
  children: XmlElement[];
  /** Concatenated character data directly inside this element (untrimmed, entities and CDATA decoded). */
  text: string;
  /**
   * Where the element's content lies in the document, to re-serialise mixed content (DataTransfer data,
   * docs/charger-quirks.md#q15-opaque-datatransfer-data).
   */
  source: { xml: string; start: number; end: number };
}

/** Whether the pairs hold an attribute named `name` as written: a linear search, bounded by the parser's limit. */
export function hasName(pairs: readonly string[], name: string): boolean {
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === name) return true;
  return false;
}

/**
 * The value of the element's attribute with this local name, whatever its prefix (`xsi:nil` is `nil`, even when `xsi`
 * is undeclared, docs/charger-quirks.md#q12-empty-and-nil-values); the first such attribute when there are several.
 */
export function attr(el: XmlElement | undefined, name: string): string | undefined {
  const list = el?.attrs;
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i += 2) {
    const key = list[i]!;
    // The colon first: most names that are not this one are ruled out without a search.
    const colon = key.length - name.length - 1;
    if (key === name || (colon > 0 && key.charCodeAt(colon) === C.COLON && key.endsWith(name))) return list[i + 1];
  }
  return undefined;
}

/** First child with this local name (and namespace, when given). */
export function child(el: XmlElement, name: string, ns?: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}
