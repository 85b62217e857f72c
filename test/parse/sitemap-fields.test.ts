import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChangefreq, parsePageUrl, parsePriority } from '../../src/parse/sitemap-fields.js';

describe('parsePriority', () => {
  it.each([
    ['0.0', 0],
    ['0', 0],
    ['1', 1],
    ['1.0', 1],
    ['0.5', 0.5],
    ['.8', 0.8],
    [' 0.25 ', 0.25],
  ])('accepts %j', (input, expected) => {
    expect(parsePriority(input)).toBe(expected);
  });

  it.each(['', 'high', '1.5', '-0.1', '2', '0,5', '5e-1', '50%', 'NaN', '1.0.0'])('rejects %j as null', (input) => {
    expect(parsePriority(input)).toBeNull();
  });
});

describe('parseChangefreq', () => {
  it.each(['always', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'never'])('accepts %s', (value) => {
    expect(parseChangefreq(value)).toBe(value);
  });

  it('ignores case and surrounding space', () => {
    expect(parseChangefreq('  Weekly\n')).toBe('weekly');
  });

  it.each(['', 'sometimes', 'week', 'dailly', '1'])('rejects %j as null', (input) => {
    expect(parseChangefreq(input)).toBeNull();
  });
});

describe('parsePageUrl', () => {
  it('normalizes an absolute URL and drops its fragment', () => {
    expect(parsePageUrl(' HTTPS://Example.COM:443/a b?q=1#top ')).toBe('https://example.com/a%20b?q=1');
  });

  it.each([
    ['empty', ''],
    ['relative path', '/about'],
    ['protocol-relative', '//example.com/a'],
    ['scheme without slashes', 'http:example.com'],
    ['another scheme', 'mailto:info@example.com'],
    ['javascript', 'javascript:alert(1)'],
    ['malformed host', 'https://exa mple.com/'],
    ['too long', `https://example.com/${'a'.repeat(2100)}`],
  ])('rejects a %s URL', (_why, input) => {
    expect(parsePageUrl(input)).toBeNull();
  });
});

describe('parsePageUrl on URLs that need no normalizing', () => {
  // The WHATWG parser, as parsePageUrl used it for every URL before it learnt to recognise the ones
  // it would return unchanged.
  function viaUrlParser(input: string): string | null {
    const text = input.trim();
    if (text.length === 0 || text.length > 2048 || !/^https?:\/\//i.test(text)) return null;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return null;
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;
    if (url.hash !== '') url.hash = '';
    return url.href;
  }

  it.each([
    'https://shop.example.com/p/c1/item-0000001',
    'http://a-b.example/x?y=1&z=%20',
    'https://example.com/.well-known/security.txt',
    'https://example.com/a/./b',
    'https://example.com/a/%2E%2e/b',
    'https://example.com/a/../b?c=..',
    'https://xn--bcher-kva.example/',
    'https://xn--invalid.example/',
    'https://1.2.3.4/',
    'https://example.0x1f/',
    'https://example.123/',
    'https://EXAMPLE.com/',
    'https://example.com',
    'https://example.com:443/',
    'https://example.com:8080/',
    'https://user:pw@example.com/',
    'https://example.com/a b',
    "https://example.com/it's?q='quoted'",
    'https://example.com/a\\b',
    'https://example.com/{x}|^`',
    'https://example.com/#',
    'https://example.com/?#x',
    'https://example.com./',
    'https://-a-.example/',
    'https://a..b.example/',
  ])('agrees with the WHATWG parser on %s', (input) => {
    expect(parsePageUrl(input)).toBe(viaUrlParser(input));
  });

  it('agrees with the WHATWG parser on generated URLs', () => {
    const pieces = [
      ...'abcxyz0189-.',
      'xn--',
      'XN--',
      'A',
      '/',
      '//',
      '/.',
      '/..',
      '%2e',
      '%2E',
      '%',
      '%41',
      '?',
      '#',
      ':',
      ':80',
      ':443',
      '@',
      "'",
      '"',
      ' ',
      '\t',
      '\\',
      '~',
      '!$&()*+,;=',
      '[::1]',
      '{}|^`<>',
      'é',
      '0x',
    ];
    const scheme = fc.constantFrom('http://', 'https://', 'HTTP://', 'https:/', 'ftp://');
    const host = fc.array(fc.constantFrom(...'abcz0189-.', 'xn--', 'A', '0x', '%41', '@', ':80'), {
      minLength: 0,
      maxLength: 8,
    });
    const rest = fc.array(fc.constantFrom(...pieces), { maxLength: 12 });
    fc.assert(
      fc.property(scheme, host, rest, (s, h, r) => {
        const input = s + h.join('') + r.join('');
        expect(parsePageUrl(input)).toBe(viaUrlParser(input));
      }),
      { numRuns: 20_000 },
    );
  });
});
