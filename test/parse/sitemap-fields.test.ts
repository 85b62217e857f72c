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
  it('normalises an absolute URL and drops its fragment', () => {
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
