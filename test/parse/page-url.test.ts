import { describe, expect, it } from 'vitest';
import { maxPageUrlLength, normalisePageUrl } from '../../src/parse/page-url.js';

describe('normalisePageUrl', () => {
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
    expect(normalisePageUrl(raw, domain)).toEqual({ ok: true, url });
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
    expect(normalisePageUrl(raw, domain)).toEqual({ ok: false, reason });
  });
});
