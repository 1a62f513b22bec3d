import { C, isNameChar, isNameStart, isSpace, NAME_CLASS } from './xml-chars.js';
import { hasName, type XmlElement } from './xml-element.js';
import { NamespaceLookup, ROOT_SCOPE, type Scope } from './xml-scope.js';

export { attr, child, type XmlElement } from './xml-element.js';

export class XmlError extends Error {
  override name = 'XmlError';
}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  maxAttributeLength: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxDepth: 32, maxElements: 20_000, maxAttributeLength: 8_192 };

/** DOCTYPE or ENTITY declarations have no place in SOAP (SOAP 1.2 part 1, section 5) and are the XXE/bomb vector. */
const DTD_PATTERN = /<!\s*(DOCTYPE|ENTITY)/i;

/** SOAP elements carry a handful of attributes; a thousand is an attack on the parser, not a message. */
const MAX_ATTRIBUTES = 256;
/** The attributes of an element that has none, shared. */
const NO_ATTRIBUTES: readonly string[] = Object.freeze([]);

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Parses a document into a namespace-resolved tree in one pass, checking well-formedness as it goes (XML 1.0:
 * matching end tags, quoted and unique attributes, one root element, only comments and processing instructions
 * around it, only the five predefined entities and character references). No DTD is ever read, so no declared entity
 * can be expanded (no XXE, no billion laughs). Throws XmlError with a one-line reason and position.
 *
 * Our own parser rather than a general-purpose one: it is the largest cost of the SOAP ingress (bench/README.md, CPU
 * profiles: validate + parse + namespace pass took a quarter of the gateway's CPU), and SOAP needs only this subset.
 */
export function parseXml(xml: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  // The search for '<!' is a byte scan; the pattern, a few per cent of a whole message, runs only where one is found.
  if (xml.includes('<!') && DTD_PATTERN.test(xml))
    throw new XmlError('DOCTYPE and ENTITY declarations are not allowed');
  return new Parser(xml, limits, false).document();
}

/** Where `char` next occurs in `xml` at or after `from`; the length of `xml` when it does not. */
function searchFrom(xml: string, char: string, from: number): number {
  const at = xml.indexOf(char, from);
  return at === -1 ? xml.length : at;
}

/** An element as the serialiser needs it: names as written, attributes in order, text and children interleaved. */
interface ContentElement extends XmlElement {
  qname: string;
  attrList: [string, string][];
  parts: (string | ContentElement)[];
}

interface Frame {
  el: XmlElement | ContentElement;
  qname: string;
  scope: Scope;
}

class Parser {
  private pos = 0;
  private elements = 0;
  /**
   * The next '<' and the next '&' at or after where each was last looked for (the document's length when there is
   * none): one search serves every attribute value and text that ends before it, instead of a search of each.
   */
  private lt = -1;
  private amp = -1;
  /** The same for tab, line feed and carriage return, and the nearest of the three (attribute-value normalisation). */
  private tab = -1;
  private lf = -1;
  private cr = -1;
  private ws = -1;
  private readonly namespaces = new NamespaceLookup();
  private colon = -1; // where the first colon of the name read last is (see name())

  constructor(
    private readonly xml: string,
    private readonly limits: XmlLimits,
    /** Also record names as written and the order of text and children (for innerXml only). */
    private readonly keepContent: boolean,
  ) {}

  private fail(reason: string, at = this.pos): never {
    let line = 1;
    let lineStart = 0;
    for (let i = this.xml.indexOf('\n'); i !== -1 && i < at; i = this.xml.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    throw new XmlError(`malformed XML at line ${line}, column ${at - lineStart + 1}: ${reason}`);
  }

  document(): XmlElement {
    if (this.xml.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.misc();
    if (this.xml.charCodeAt(this.pos) !== C.LT || !isNameStart(this.xml.charCodeAt(this.pos + 1))) {
      this.fail(this.pos >= this.xml.length ? 'no root element' : 'expected the root element');
    }
    const root = this.element();
    this.misc();
    if (this.pos < this.xml.length) this.fail('content after the root element');
    return root;
  }

  /** Whitespace, comments and processing instructions (the XML declaration among them) around the root. */
  private misc(): void {
    const xml = this.xml;
    for (;;) {
      this.skipSpace();
      if (xml.startsWith('<?', this.pos)) this.processingInstruction();
      else if (xml.startsWith('<!--', this.pos)) this.comment();
      else return;
    }
  }

  private processingInstruction(): void {
    const end = this.xml.indexOf('?>', this.pos + 2);
    if (end === -1) this.fail('processing instruction not closed');
    this.pos = end + 2;
  }

  private comment(): void {
    const end = this.xml.indexOf('-->', this.pos + 4);
    if (end === -1) this.fail('comment not closed');
    this.pos = end + 3;
  }

  /** A name at `pos`; where its first colon is goes to `colon` (-1: none), found by the scan instead of a search. */
  private name(): string {
    const xml = this.xml;
    const start = this.pos;
    const first = xml.charCodeAt(start);
    if (!(first < 128 ? NAME_CLASS[first] === 2 : isNameStart(first))) this.fail('expected a name');
    let colon = first === C.COLON ? 0 : -1;
    let i = start + 1;
    for (let c = xml.charCodeAt(i); c < 128 ? NAME_CLASS[c] !== 0 : isNameChar(c); c = xml.charCodeAt(++i))
      if (c === C.COLON && colon < 0) colon = i - start;
    this.pos = i;
    this.colon = colon;
    return xml.slice(start, i);
  }

  /**
   * The end tag's name at `lt` ('</') must be the open element's, compared in place (`indexOf` costs V8 less than
   * `startsWith` for the same test: bench/README.md, "Twenty-ninth round").
   */
  private closingName(qname: string, lt: number): void {
    const xml = this.xml;
    const at = lt + 2;
    if (xml.indexOf(qname, at) === at && !isNameChar(xml.charCodeAt(at + qname.length))) {
      this.pos = at + qname.length;
      return;
    }
    this.pos = at;
    this.fail(`end tag </${this.name()}> does not match <${qname}>`, lt);
  }

  private skipSpace(): boolean {
    const from = this.pos;
    while (isSpace(this.xml.charCodeAt(this.pos))) this.pos++;
    return this.pos > from;
  }

  /** The element starting at `pos` (on its '<') and everything inside it; iterative, so depth costs no stack. */
  private element(): XmlElement {
    const xml = this.xml;
    const stack: Frame[] = [];
    let root: XmlElement | undefined;
    for (;;) {
      // A start tag: pos is on '<'.
      this.pos++;
      const parent = stack[stack.length - 1];
      const frame = this.startTag(parent?.scope ?? ROOT_SCOPE, stack.length + 1);
      if (parent) {
        parent.el.children.push(frame.el);
        if (this.keepContent) (parent.el as ContentElement).parts.push(frame.el as ContentElement);
      } else root = frame.el;
      if (xml.charCodeAt(this.pos) === C.SLASH) {
        this.pos += 2; // '/>' checked by startTag
        frame.el.source.start = frame.el.source.end = this.pos;
        if (!parent) return root!;
      } else {
        this.pos++;
        frame.el.source.start = this.pos;
        stack.push(frame);
      }
      // Content until the next start tag, or until the stack is empty.
      for (;;) {
        const current = stack[stack.length - 1]!;
        const lt = this.nextLt(this.pos);
        if (lt === xml.length) this.fail(`element <${current.qname}> is not closed`, xml.length);
        if (lt > this.pos) this.text(current.el, this.pos, lt);
        this.pos = lt;
        const next = xml.charCodeAt(lt + 1);
        if (next === C.SLASH) {
          current.el.source.end = lt;
          this.closingName(current.qname, lt);
          this.skipSpace();
          if (xml.charCodeAt(this.pos) !== C.GT) this.fail(`end tag </${current.qname}> not closed by '>'`);
          this.pos++;
          stack.pop();
          if (stack.length === 0) return root!;
        } else if (isNameStart(next)) {
          break; // the next start tag: by far the most frequent case after an end tag
        } else if (next === C.QUESTION) {
          this.processingInstruction();
        } else if (xml.startsWith('<!--', lt)) {
          this.comment();
        } else if (xml.startsWith('<![CDATA[', lt)) {
          const end = xml.indexOf(']]>', lt + 9);
          if (end === -1) this.fail('CDATA section not closed');
          this.appendText(current.el, xml.slice(lt + 9, end));
          this.pos = end + 3;
        } else {
          this.fail(
            next === 33
              ? 'declarations are not allowed inside the document'
              : "'<' must start a tag (escape it as &lt;)",
            lt,
          );
        }
      }
    }
  }

  private startTag(parentScope: Scope, depth: number): Frame {
    const { xml, limits } = this;
    if (depth > limits.maxDepth) throw new XmlError(`XML nesting deeper than ${limits.maxDepth} levels`);
    if (++this.elements > limits.maxElements) throw new XmlError(`more than ${limits.maxElements} XML elements`);
    const qname = this.name();
    const colon = this.colon;
    let scope = parentScope;
    let attrs: string[] | undefined;
    let attrList: [string, string][] | undefined;
    let count = 0;
    for (;;) {
      const spaced = this.skipSpace();
      const c = xml.charCodeAt(this.pos);
      if (c === C.GT) break;
      if (c === C.SLASH) {
        if (xml.charCodeAt(this.pos + 1) !== C.GT) this.fail(`start tag <${qname}> has '/' without '>'`);
        break;
      }
      if (this.pos >= xml.length) this.fail(`start tag <${qname}> not closed`);
      if (!spaced) this.fail(`attributes of <${qname}> must be separated by whitespace`);
      const key = this.name();
      this.skipSpace();
      if (xml.charCodeAt(this.pos) !== C.EQ) this.fail(`attribute ${key} has no value`);
      this.pos++;
      this.skipSpace();
      const value = this.attributeValue(key);
      if (++count > MAX_ATTRIBUTES) throw new XmlError(`more than ${MAX_ATTRIBUTES} attributes on <${qname}>`);
      if (this.keepContent) (attrList ??= []).push([key, value]);
      // The first character rules out nearly every other attribute before a string comparison.
      if (key.charCodeAt(0) === C.LOWER_X && (key === 'xmlns' || key.startsWith('xmlns:'))) {
        if (scope === parentScope) scope = { own: new Map(), parent: parentScope };
        const prefix = key === 'xmlns' ? '' : key.slice(6);
        if (scope.own.has(prefix)) this.fail(`attribute ${key} appears twice`);
        scope.own.set(prefix, value);
      } else {
        if (attrs && hasName(attrs, key)) this.fail(`attribute ${key} appears twice`);
        (attrs ??= []).push(key, value);
      }
    }
    const el: XmlElement = {
      ns: this.namespaces.uriOf(scope, qname, colon) || undefined,
      name: colon >= 0 ? qname.slice(colon + 1) : qname,
      attrs: attrs ?? NO_ATTRIBUTES,
      children: [],
      text: '',
      source: { xml, start: 0, end: 0 },
    };
    if (this.keepContent) Object.assign(el, { qname, attrList: attrList ?? [], parts: [] });
    return { el, qname, scope };
  }

  private attributeValue(key: string): string {
    const xml = this.xml;
    const quote = xml.charCodeAt(this.pos);
    if (quote !== C.QUOT && quote !== C.APOS) this.fail(`value of attribute ${key} must be quoted`);
    const start = this.pos + 1;
    const end = xml.indexOf(quote === C.QUOT ? '"' : "'", start);
    if (end === -1) this.fail(`value of attribute ${key} not closed`);
    if (end - start > this.limits.maxAttributeLength)
      throw new XmlError(`attribute ${key} longer than ${this.limits.maxAttributeLength} characters`);
    let value = xml.slice(start, end);
    if (this.nextLt(start) < end) this.fail(`'<' in the value of attribute ${key}`, this.lt);
    // Attribute-value normalisation (XML 1.0 section 3.3.3): each literal whitespace character becomes a space;
    // whitespace written as a character reference stays what it is.
    if (this.nextWs(start) < end) value = value.replace(/[\t\n\r]/g, ' ');
    if (this.nextAmp(start) < end) value = this.decode(value, start);
    this.pos = end + 1;
    return value;
  }

  private text(el: XmlElement, start: number, end: number): void {
    const raw = this.xml.slice(start, end);
    this.appendText(el, this.nextAmp(start) < end ? this.decode(raw, start) : raw);
  }

  private nextLt(from: number): number {
    if (this.lt < from) this.lt = searchFrom(this.xml, '<', from);
    return this.lt;
  }

  private nextWs(from: number): number {
    if (this.ws >= from) return this.ws;
    if (this.tab < from) this.tab = searchFrom(this.xml, '\t', from);
    if (this.lf < from) this.lf = searchFrom(this.xml, '\n', from);
    if (this.cr < from) this.cr = searchFrom(this.xml, '\r', from);
    this.ws = Math.min(this.tab, this.lf, this.cr);
    return this.ws;
  }

  private nextAmp(from: number): number {
    if (this.amp < from) this.amp = searchFrom(this.xml, '&', from);
    return this.amp;
  }

  private appendText(el: XmlElement, text: string): void {
    el.text += text;
    if (this.keepContent) (el as ContentElement).parts.push(text);
  }

  /** The five predefined entities and character references; anything else is an error (no DTD, no other entities). */
  private decode(raw: string, offset: number): string {
    let out = '';
    let from = 0;
    for (let amp = raw.indexOf('&'); amp !== -1; amp = raw.indexOf('&', from)) {
      const semi = raw.indexOf(';', amp + 1);
      if (semi === -1 || semi - amp > 12)
        this.fail("'&' must start an entity reference (escape it as &amp;)", offset + amp);
      const ref = raw.slice(amp + 1, semi);
      let decoded: string | undefined;
      if (ref.charCodeAt(0) === 35 /* # */) {
        const hex = ref.charCodeAt(1) === 120; /* x */
        const digits = ref.slice(hex ? 2 : 1);
        const code = (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits) ? parseInt(digits, hex ? 16 : 10) : NaN;
        const allowed =
          code === 0x9 ||
          code === 0xa ||
          code === 0xd ||
          (code >= 0x20 && code <= 0xd7ff) ||
          (code >= 0xe000 && code <= 0xfffd) ||
          (code >= 0x10000 && code <= 0x10ffff);
        if (allowed) decoded = String.fromCodePoint(code);
      } else {
        decoded = PREDEFINED[ref];
      }
      if (decoded === undefined) this.fail(`unknown or invalid entity reference &${ref};`, offset + amp);
      out += raw.slice(from, amp) + decoded;
      from = semi + 1;
    }
    return out + raw.slice(from);
  }
}

/** The same characters: the first only tests, the second replaces them all. */
const NEEDS_ESCAPE = /[&<>"']/;
const TO_ESCAPE = /[&<>"']/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(value: string): string {
  // Most values need nothing: a test costs a third of a replace that finds nothing (bench/README.md, "Twenty-seventh
  // round").
  return NEEDS_ESCAPE.test(value) ? value.replace(TO_ESCAPE, (c) => ESCAPES[c]!) : value;
}

/**
 * Re-serialises an element's content (child elements and text) for opaque payloads
 * (docs/charger-quirks.md#q15-opaque-datatransfer-data): names and attributes
 * as written, text with entities and CDATA normalised to escaped text, comments and processing instructions dropped.
 */
export function innerXml(el: XmlElement): string {
  const { xml, start, end } = el.source;
  // Parsed again, alone, keeping what the fast path does not: names as written and the order of text and children.
  // Prefixes declared outside the content stay as written (an undeclared prefix is not an error here).
  const wrapper = new Parser(`<_>${xml.slice(start, end)}</_>`, DEFAULT_XML_LIMITS, true).document() as ContentElement;
  return serialiseParts(wrapper.parts);
}

function serialiseParts(parts: (string | ContentElement)[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += escapeXml(part);
      continue;
    }
    const attrs = part.attrList.map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
    const inner = serialiseParts(part.parts);
    out += inner === '' ? `<${part.qname}${attrs}/>` : `<${part.qname}${attrs}>${inner}</${part.qname}>`;
  }
  return out;
}
