import { describe, expect, it } from 'vitest';
import { normalizeDomain } from '../../src/domains/normalize-domain.js';

describe('normalizeDomain', () => {
  it('normalizes case, scheme, path, port, trailing dot and IDN', () => {
    expect(normalizeDomain('Example.COM')).toEqual({ ok: true, domain: 'example.com' });
    expect(normalizeDomain('https://www.Example.org/about?x=1')).toEqual({ ok: true, domain: 'www.example.org' });
    expect(normalizeDomain('shop.example.net:8080/path')).toEqual({ ok: true, domain: 'shop.example.net' });
    expect(normalizeDomain('bücher.de.')).toEqual({ ok: true, domain: 'xn--bcher-kva.de' });
  });

  it('rejects with a reason that names the problem', () => {
    expect(normalizeDomain('mailto:info@example.com')).toEqual({ ok: false, reason: 'not a web address (mailto)' });
    expect(normalizeDomain('javascript:alert(1)')).toEqual({ ok: false, reason: 'not a web address (javascript)' });
    expect(normalizeDomain('ftp://example.com/')).toEqual({ ok: false, reason: 'not a web address (ftp)' });
    expect(normalizeDomain('10.0.0.1')).toEqual({ ok: false, reason: 'an IP address, not a domain' });
    expect(normalizeDomain('[::1]')).toEqual({ ok: false, reason: 'an IP address, not a domain' });
    expect(normalizeDomain('localhost')).toMatchObject({ ok: false, reason: expect.stringContaining('needs a dot') });
    expect(normalizeDomain('bad domain.com')).toEqual({ ok: false, reason: 'contains whitespace' });
    expect(normalizeDomain('-bad-.com')).toEqual({ ok: false, reason: 'not a valid domain name' });
    expect(normalizeDomain('')).toEqual({ ok: false, reason: 'empty' });
  });
});
