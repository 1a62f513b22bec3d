import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { innerXml, parseXml, XmlError } from '../../../src/soap/xml.js';

describe('parseXml', () => {
  it('resolves namespaces by URI, whatever the prefix (quirk Q8)', () => {
    for (const doc of [
      '<SOAP-ENV:Envelope xmlns:SOAP-ENV="urn:e"><SOAP-ENV:Body/></SOAP-ENV:Envelope>',
      '<Envelope xmlns="urn:e"><Body/></Envelope>',
      '<ns0:Envelope xmlns:ns0="urn:e"><ns0:Body/></ns0:Envelope>',
    ]) {
      const root = parseXml(doc);
      assert.deepEqual([root.ns, root.name, root.children[0]?.ns, root.children[0]?.name], ['urn:e', 'Envelope', 'urn:e', 'Body']);
    }
  });

  it('keeps an attribute with an undeclared prefix by local name (xsi:nil without xmlns:xsi, Q12)', () => {
    const root = parseXml('<a><b xsi:nil="true"/></a>');
    assert.equal(root.children[0]?.attrs.nil, 'true');
  });

  it('rejects DOCTYPE and ENTITY declarations before parsing (no XXE, no entity expansion)', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><a>&lol2;</a>';
    const xxe = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>';
    for (const doc of [bomb, xxe, '<!doctype html><html/>']) {
      assert.throws(() => parseXml(doc), (e: unknown) => e instanceof XmlError && /DOCTYPE and ENTITY/.test(e.message));
    }
  });

  it('reports malformed XML with a position', () => {
    assert.throws(() => parseXml('<a><b></a>'), (e: unknown) => e instanceof XmlError && /malformed XML at line 1/.test(e.message));
    assert.throws(() => parseXml('<a>'), XmlError);
  });

  it('enforces depth and element-count limits', () => {
    const deep = '<a>'.repeat(40) + '</a>'.repeat(40);
    assert.throws(() => parseXml(deep), /nesting deeper than 32/);
    const wide = `<a>${'<b/>'.repeat(30)}</a>`;
    assert.throws(() => parseXml(wide, { maxDepth: 10, maxElements: 20, maxAttributeLength: 100 }), /more than 20 XML elements/);
  });

  it('decodes predefined entities and CDATA, and serialises mixed content back (Q15)', () => {
    const root = parseXml('<d>x &amp; <![CDATA[<raw>]]><inner a="1">t</inner></d>');
    assert.equal(root.text, 'x & <raw>');
    assert.equal(innerXml(root), 'x &amp; &lt;raw&gt;<inner a="1">t</inner>');
  });
});
