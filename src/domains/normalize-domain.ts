import { domainToASCII } from 'node:url';

export type NormalizedDomain = { ok: true; domain: string } | { ok: false; reason: string };

const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const ipv4ish = /^[0-9.]+$|^0x[0-9a-f]+$/i;

/**
 * Turns what a user typed (`Example.COM`, `https://www.example.com/about`, `bücher.de.`) into
 * the host pipectl stores, or says why it cannot: a crawl starts from a public DNS name, so IP
 * addresses, single labels like `localhost`, and malformed names are rejected with a reason.
 */
export function normalizeDomain(input: string): NormalizedDomain {
  let text = input.trim();
  if (text === '') return { ok: false, reason: 'empty' };
  if (/\s/.test(text)) return { ok: false, reason: 'contains whitespace' };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return { ok: false, reason: `not a web address (${url.protocol.slice(0, -1)})` };
      }
      text = url.hostname;
    } catch {
      return { ok: false, reason: 'not a valid URL' };
    }
  } else {
    const scheme = /^([a-z][a-z0-9+.-]*):(?!\d+(?:[/?#]|$))/i.exec(text);
    if (scheme) return { ok: false, reason: `not a web address (${scheme[1]?.toLowerCase()})` };
    text = text.replace(/[/?#].*$/, '').replace(/:\d+$/, '');
  }
  if (text.startsWith('[') || text.includes(':')) return { ok: false, reason: 'an IP address, not a domain' };
  const host = domainToASCII(text.replace(/\.$/, '').toLowerCase());
  if (host === '') return { ok: false, reason: 'not a valid domain name' };
  if (ipv4ish.test(host)) return { ok: false, reason: 'an IP address, not a domain' };
  if (host.length > 253) return { ok: false, reason: 'longer than 253 characters' };
  const labels = host.split('.');
  if (labels.length < 2)
    return { ok: false, reason: 'needs a dot (a single label like "localhost" is not a public domain)' };
  if (!labels.every((l) => label.test(l))) return { ok: false, reason: 'not a valid domain name' };
  if (/^\d+$/.test(labels.at(-1) ?? '')) return { ok: false, reason: 'the top-level domain cannot be numeric' };
  return { ok: true, domain: host };
}
