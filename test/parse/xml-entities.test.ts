import { describe, expect, it } from 'vitest';
import { decodeXmlEntities } from '../../src/parse/xml-entities.js';

describe('decodeXmlEntities', () => {
  it('decodes the five predefined entities and numeric references', () => {
    expect(decodeXmlEntities('a&amp;b&lt;c&gt;d&quot;e&apos;f')).toBe(`a&b<c>d"e'f`);
    expect(decodeXmlEntities('&#38;&#x26;&#X26;&#233;&#x1F600;')).toBe('&&&é😀');
  });

  it('leaves unknown and DTD-declared entities as written', () => {
    expect(decodeXmlEntities('&nbsp;&lol9;&xxe;&AMP;&amp')).toBe('&nbsp;&lol9;&xxe;&AMP;&amp');
  });

  it('replaces references to non-characters with U+FFFD', () => {
    expect(decodeXmlEntities('&#0;&#xD800;&#x110000;')).toBe('\uFFFD\uFFFD\uFFFD');
  });

  it('returns text without & untouched', () => {
    const text = 'https://jenkinseyecare.com/contact-us/';
    expect(decodeXmlEntities(text)).toBe(text);
  });
});
