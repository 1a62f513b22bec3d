/** The namespace scopes of the XML parser (xml.ts). */

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/**
 * Namespace declarations in force: an element's own declarations, then its ancestors'. A chain rather than a copy
 * per element, so that many declarations cannot make every element expensive.
 */
export interface Scope {
  own: Map<string, string>;
  parent: Scope | undefined;
}
export const ROOT_SCOPE: Scope = { own: new Map([['xml', XML_NS]]), parent: undefined };

function lookup(scope: Scope, prefix: string): string | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const uri = s.own.get(prefix);
    if (uri !== undefined) return uri;
  }
  return undefined;
}

interface Found {
  scope: Scope;
  prefix: string;
  uri: string | undefined;
}

/** Prefixes longer than this are looked up every time. */
const LONGEST_CACHED = 16;

/**
 * The namespace of each element, for one document. Most elements share their parent's scope and one of a few
 * prefixes, so the last binding found for each prefix length is kept and compared in place: a look-up in the scope's
 * maps needs the prefix sliced out of the name and hashed, for every element (docs/architecture.md, "Design choices").
 * A miss costs what it did without the cache; the maps keep the cost of many declarations bounded.
 */
export class NamespaceLookup {
  private readonly found: (Found | undefined)[] = [];

  /** The URI bound to the prefix of `qname` (the part before `colon`; none when `colon` is -1), if one is. */
  uriOf(scope: Scope, qname: string, colon: number): string | undefined {
    const length = Math.max(colon, 0);
    const last = this.found[length];
    if (last !== undefined && last.scope === scope && (length === 0 || qname.startsWith(last.prefix))) return last.uri;
    const prefix = colon >= 0 ? qname.slice(0, colon) : '';
    const uri = lookup(scope, prefix);
    if (length <= LONGEST_CACHED) this.found[length] = { scope, prefix, uri };
    return uri;
  }
}
