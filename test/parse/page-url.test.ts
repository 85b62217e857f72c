import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxPageUrlLength, normalizePageUrl } from '../../src/parse/page-url.js';

describe('normalizePageUrl', () => {
  it.each([
    ['  https://Shop.Example.COM/a/b?x=1#top \n', 'example.com', 'https://shop.example.com/a/b?x=1'],
    ['http://example.com', 'example.com', 'http://example.com/'],
    ['https://example.com:443/a', 'example.com', 'https://example.com/a'],
    ['https://user:pw@example.com/a', 'example.com', 'https://example.com/a'],
    ['https://example.com./a', 'example.com', 'https://example.com/a'],
    ['https://www.example.com/a', 'example.com', 'https://www.example.com/a'],
    ['https://example.com/a', 'www.example.com', 'https://example.com/a'],
    ['https://blog.example.com/a', 'www.example.com', 'https://blog.example.com/a'],
    ['https://bäckerei.de/brot', 'bäckerei.de', 'https://xn--bckerei-5wa.de/brot'],
    ['https://example.com/a b', 'example.com', 'https://example.com/a%20b'],
  ])('%s on %s → %s', (raw, domain, url) => {
    expect(normalizePageUrl(raw, domain)).toEqual({ ok: true, url });
  });

  it.each([
    ['https://other.com/a', 'example.com', 'off_site'],
    ['https://notexample.com/a', 'example.com', 'off_site'],
    ['https://example.com.evil.net/a', 'example.com', 'off_site'],
    ['https://com/a', 'example.com', 'off_site'],
    ['ftp://example.com/a', 'example.com', 'not_http'],
    ['mailto:info@example.com', 'example.com', 'not_http'],
    ['javascript:alert(1)', 'example.com', 'not_http'],
    ['/relative/path', 'example.com', 'invalid'],
    ['', 'example.com', 'invalid'],
    ['https://', 'example.com', 'invalid'],
    [`https://example.com/${'a'.repeat(maxPageUrlLength)}`, 'example.com', 'too_long'],
  ])('%s on %s is rejected as %s', (raw, domain, reason) => {
    expect(normalizePageUrl(raw, domain)).toEqual({ ok: false, reason });
  });

  it('stores /~u10 and /%7Eu10 as one URL: unreserved characters decoded, other escapes upper-cased', () => {
    const one = normalizePageUrl('https://example.com/~u10', 'example.com');
    expect(one).toEqual({ ok: true, url: 'https://example.com/~u10' });
    for (const raw of [
      'https://example.com/%7Eu10',
      'https://example.com/%7eu10',
      'https://example.com/%7E%75%31%30',
      'https://example.com/%7Eu10#top',
    ]) {
      expect(normalizePageUrl(raw, 'example.com')).toEqual(one);
    }
    expect(normalizePageUrl('https://example.com/a%2fb?q=%c3%a9&r=%41', 'example.com')).toEqual({
      ok: true,
      url: 'https://example.com/a%2Fb?q=%C3%A9&r=A',
    });
    expect(normalizePageUrl('https://example.com/a/%2E%2E/b', 'example.com')).toEqual({
      ok: true,
      url: 'https://example.com/b',
    });
    expect(normalizePageUrl('https://example.com/100%25-real%zz', 'example.com')).toEqual({
      ok: true,
      url: 'https://example.com/100%25-real%zz',
    });
  });

  // Canonical URLs (most of a sitemap) skip the URL parser; a fragment sends the same URL through
  // it, so the two paths must give the same answer.
  it('answers the same with and without the URL parser', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
    const host = fc.oneof(
      fc.constantFrom('example.com', 'www.example.com', 'shop.example.com', 'notexample.com', 'example.com.evil.net'),
      fc.tuple(label, fc.constantFrom('example.com', 'other.org')).map(([l, d]) => `${l}.${d}`),
    );
    const path = fc.stringMatching(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]{0,30}(\?[a-z0-9=&]{0,10})?$/);
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https'),
        host,
        path,
        fc.constantFrom('example.com', 'www.example.com', 'Example.COM'),
        (scheme, h, p, domain) => {
          const url = `${scheme}://${h}${p}`;
          expect(normalizePageUrl(url, domain)).toEqual(normalizePageUrl(`${url}#fragment`, domain));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
