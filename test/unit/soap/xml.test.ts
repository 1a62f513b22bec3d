import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attr, escapeXml, innerXml, parseXml, XmlError, type XmlElement } from '../../../src/soap/xml.js';

describe('parseXml', () => {
  it('resolves namespaces by URI, whatever the prefix (docs/charger-quirks.md#q8-many-serializers-and-prefixes)', () => {
    for (const doc of [
      '<SOAP-ENV:Envelope xmlns:SOAP-ENV="urn:e"><SOAP-ENV:Body/></SOAP-ENV:Envelope>',
      '<Envelope xmlns="urn:e"><Body/></Envelope>',
      '<ns0:Envelope xmlns:ns0="urn:e"><ns0:Body/></ns0:Envelope>',
    ]) {
      const root = parseXml(doc);
      assert.deepEqual(
        [root.ns, root.name, root.children[0]?.ns, root.children[0]?.name],
        ['urn:e', 'Envelope', 'urn:e', 'Body'],
      );
    }
  });

  it('keeps an attribute with an undeclared prefix by local name (xsi:nil without xmlns:xsi, Q12)', () => {
    const root = parseXml('<a><b xsi:nil="true"/></a>');
    assert.equal(attr(root.children[0], 'nil'), 'true');
    assert.equal(attr(root.children[0], 'il'), undefined, 'a local name matches whole, not as a suffix');
  });

  it('reads attributes by local name, keeps namespace declarations out of them, and tells names from values', () => {
    const root = parseXml('<a xmlns:p="urn:p" p:x="1" y="x" x2="2"/>');
    assert.deepEqual(root.attrs, ['p:x', '1', 'y', 'x', 'x2', '2']);
    assert.deepEqual(
      [attr(root, 'x'), attr(root, 'y'), attr(root, 'x2'), attr(root, 'xmlns')],
      ['1', 'x', '2', undefined],
    );
    assert.equal(attr(undefined, 'x'), undefined);
  });

  it('decodes references wherever they fall among plain values and texts, and places a stray < in a value', () => {
    const root = parseXml('<a x="1" y="2&amp;3" z="4"><b>p</b><c>q&lt;r</c><d>s</d><e v="&#65;">t&amp;</e></a>');
    assert.deepEqual(
      [attr(root, 'x'), attr(root, 'y'), attr(root, 'z'), attr(root.children[3], 'v')],
      ['1', '2&3', '4', 'A'],
    );
    assert.deepEqual(
      root.children.map((c) => c.text),
      ['p', 'q<r', 's', 't&'],
    );
    assert.throws(() => parseXml('<a x="1"><b y="2<3"/></a>'), /line 1, column 17: '<' in the value of attribute y/);
  });

  it('scans names with characters beyond ASCII', () => {
    const root = parseXml('<\u00e9l\u00e9ment a\u00b7b="1"><x\u3042/></\u00e9l\u00e9ment>');
    assert.deepEqual(
      [root.name, attr(root, 'a\u00b7b'), root.children[0]?.name],
      ['\u00e9l\u00e9ment', '1', 'x\u3042'],
    );
  });

  it('rejects DOCTYPE and ENTITY declarations before parsing (no XXE, no entity expansion)', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><a>&lol2;</a>';
    const xxe = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>';
    for (const doc of [bomb, xxe, '<!doctype html><html/>']) {
      assert.throws(
        () => parseXml(doc),
        (e: unknown) => e instanceof XmlError && /DOCTYPE and ENTITY/.test(e.message),
      );
    }
  });

  it('reports malformed XML with a position', () => {
    assert.throws(
      () => parseXml('<a><b></a>'),
      (e: unknown) => e instanceof XmlError && /malformed XML at line 1/.test(e.message),
    );
    assert.throws(() => parseXml('<a>'), XmlError);
  });

  it('refuses an element with more attributes than any SOAP message has', () => {
    const attrs = Array.from({ length: 300 }, (_, i) => `a${i}="v"`).join(' ');
    assert.throws(
      () => parseXml(`<a ${attrs}/>`),
      (e: unknown) => e instanceof XmlError && /more than 256 attributes on <a>/.test(e.message),
    );
    assert.equal(parseXml(`<a ${attrs.split(' ').slice(0, 256).join(' ')}/>`).attrs.length, 512);
  });

  it('enforces depth and element-count limits', () => {
    const deep = '<a>'.repeat(40) + '</a>'.repeat(40);
    assert.throws(() => parseXml(deep), /nesting deeper than 32/);
    const wide = `<a>${'<b/>'.repeat(30)}</a>`;
    assert.throws(
      () => parseXml(wide, { maxDepth: 10, maxElements: 20, maxAttributeLength: 100 }),
      /more than 20 XML elements/,
    );
  });

  it('decodes predefined entities and CDATA, and serialises mixed content back (Q15)', () => {
    const root = parseXml('<d>x &amp; <![CDATA[<raw>]]><inner a="1">t</inner></d>');
    assert.equal(root.text, 'x & <raw>');
    assert.equal(innerXml(root), 'x &amp; &lt;raw&gt;<inner a="1">t</inner>');
  });
});

describe('parseXml: well-formedness (XML 1.0 subset that SOAP uses)', () => {
  const malformed: [string, RegExp][] = [
    ['<a><b></a>', /end tag <\/a> does not match <b>/],
    ['<ab></a>', /end tag <\/a> does not match <ab>/],
    ['<a></ab>', /end tag <\/ab> does not match <a>/],
    ['<s:a></s:a x>', /end tag <\/s:a> not closed by '>'/],
    ['<a></>', /expected a name/],
    ['<a><b>', /element <b> is not closed/],
    ['<a></a><b/>', /content after the root element/],
    ['text<a/>', /expected the root element/],
    ['<a/>text', /content after the root element/],
    ['<a x=1/>', /must be quoted/],
    ['<a x/>', /attribute x has no value/],
    ['<a x="1" x="2"/>', /attribute x appears twice/],
    ['<a xmlns:p="u" xmlns:p="v"/>', /attribute xmlns:p appears twice/],
    ['<a xmlns="u" xmlns="v"/>', /attribute xmlns appears twice/],
    ['<a b="1"c="2"/>', /separated by whitespace/],
    ['<1a/>', /expected the root element/],
    ['<a>&bogus;</a>', /unknown or invalid entity reference &bogus;/],
    ['<a>&#xZZ;</a>', /invalid entity reference/],
    ['<a>&#0;</a>', /invalid entity reference/],
    ['<a>&amp</a>', /'&' must start an entity reference/],
    ['<a x="<"/>', /'<' in the value of attribute x/],
    ['<a>x < y</a>', /'<' must start a tag/],
    ['<a', /not closed/],
    ['</a>', /expected the root element/],
    ['<a><!-- open</a>', /comment not closed/],
    ['<a><![CDATA[x</a>', /CDATA section not closed/],
    ['', /no root element/],
  ];
  for (const [doc, reason] of malformed) {
    it(`rejects ${JSON.stringify(doc)}`, () => {
      assert.throws(
        () => parseXml(doc),
        (e: unknown) =>
          e instanceof XmlError && /^malformed XML at line \d+, column \d+: /.test(e.message) && reason.test(e.message),
      );
    });
  }

  it('gives the line and column of the fault', () => {
    assert.throws(() => parseXml('<a>\n  <b>\n</a>'), /line 3, column 1: end tag <\/a> does not match <b>/);
  });

  it('accepts the declaration, comments, processing instructions, a BOM and whitespace around the root', () => {
    const root = parseXml(
      '\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<!-- c --><a><!-- inside --><?pi x?>t</a>\n<?after?>\n',
    );
    assert.deepEqual([root.name, root.text], ['a', 't']);
  });

  it('decodes character references and normalises whitespace in attribute values', () => {
    const root = parseXml(`<a x='1&#9;2&#x41;&quot;' y="p\tq">&#x20AC;&#8364;&lt;&gt;&apos;</a>`);
    assert.deepEqual(root.attrs, ['x', '1\t2A"', 'y', 'p q']);
    assert.equal(root.text, "€€<>'");
  });

  it('keeps unqualified elements unqualified and resolves default and redeclared namespaces by scope', () => {
    const root = parseXml(
      '<p:a xmlns:p="urn:1" xmlns="urn:d"><b/><p:c xmlns:p="urn:2"><p:d/></p:c><e xmlns=""/></p:a>',
    );
    assert.deepEqual(
      root.children.map((c) => [c.name, c.ns]),
      [
        ['b', 'urn:d'],
        ['c', 'urn:2'],
        ['e', undefined],
      ],
    );
    assert.deepEqual([root.children[1]!.children[0]!.name, root.children[1]!.children[0]!.ns], ['d', 'urn:2']);
  });

  it('resolves prefixes of one length in turn, and the outer binding again after an inner redeclaration', () => {
    const root = parseXml(
      '<p:a xmlns:p="urn:1" xmlns:q="urn:q"><q:b/><p:b/><q:b/><p:c xmlns:p="urn:2"><p:d/><q:d/></p:c><p:e/>' +
        '<r:f xmlns:r="urn:r"/><pp:g xmlns:pp="urn:pp"/><p:h/><x:i/></p:a>',
    );
    const names = (el: XmlElement): [string, string | undefined][] => [[el.name, el.ns], ...el.children.flatMap(names)];
    assert.deepEqual(names(root), [
      ['a', 'urn:1'],
      ['b', 'urn:q'],
      ['b', 'urn:1'],
      ['b', 'urn:q'],
      ['c', 'urn:2'],
      ['d', 'urn:2'],
      ['d', 'urn:q'],
      ['e', 'urn:1'],
      ['f', 'urn:r'],
      ['g', 'urn:pp'],
      ['h', 'urn:1'],
      ['i', undefined],
    ]);
  });

  it('splits a name at its first colon, and reads only xmlns and xmlns:* as declarations', () => {
    const shape = (el: XmlElement): unknown => [el.ns, el.name, el.attrs, el.children.map(shape)];
    assert.deepEqual(shape(parseXml('<:a/>')), [undefined, 'a', [], []]);
    assert.deepEqual(shape(parseXml('<p:q:r xmlns:p="urn:p"><p:s:t/></p:q:r>')), [
      'urn:p',
      'q:r',
      [],
      [['urn:p', 's:t', [], []]],
    ]);
    assert.deepEqual(shape(parseXml('<r xmlnsx="1" x="2" xmlns:q="urn:q" xml="3"><q:z/></r>')), [
      undefined,
      'r',
      ['xmlnsx', '1', 'x', '2', 'xml', '3'],
      [['urn:q', 'z', [], []]],
    ]);
  });
});

describe('escapeXml', () => {
  it('writes the five markup characters as references, wherever they are, and leaves other text as it is', () => {
    assert.equal(escapeXml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&apos;f');
    assert.equal(escapeXml('&&<'), '&amp;&amp;&lt;', 'every occurrence, not only the first');
    assert.equal(escapeXml('urn:uuid:1234 /MeterValuesResponse'), 'urn:uuid:1234 /MeterValuesResponse');
    assert.equal(escapeXml(''), '');
    // Read back by the parser: what was escaped is the text again.
    const text = `x < y && "z" > 'w'`;
    assert.equal(parseXml(`<v>${escapeXml(text)}</v>`).text, text);
  });
});
