import { domainToASCII } from 'node:url';
import { isCanonicalHttpUrl } from './sitemap-fields.js';

/** Why a sitemap entry is not imported as a page. */
export type PageUrlRejection =
  /** Not a URL at all, or a relative one (the sitemap protocol requires absolute URLs). */
  | 'invalid'
  /** A scheme other than http(s): `ftp:`, `mailto:`, `javascript:`. */
  | 'not_http'
  /** On another site: counted and reported, never imported. */
  | 'off_site'
  /** Longer than {@link maxPageUrlLength}. */
  | 'too_long';

export type PageUrlResult = { ok: true; url: string } | { ok: false; reason: PageUrlRejection };

/**
 * Longest page URL imported: 2,048 characters, the sitemap protocol's own limit. It also keeps
 * every URL well inside the 2,704-byte limit of a btree index entry, which `pages`'
 * unique (domain_id, url) index would otherwise turn into a failed insert for the whole batch.
 */
export const maxPageUrlLength = 2048;

/** The host a domain's pages may live on: the domain itself, without `www.`, in ASCII form. */
function siteHost(domain: string): string {
  // WF5 asks for one domain thousands of times in a row; domainToASCII is not free.
  if (domain === lastDomain) return lastSite;
  lastSite = computeSiteHost(domain);
  lastDomain = domain;
  return lastSite;
}
let lastDomain = '';
let lastSite = '';

function computeSiteHost(domain: string): string {
  const ascii = domainToASCII(domain.trim().toLowerCase().replace(/\.$/, '')) || domain.trim().toLowerCase();
  return ascii.startsWith('www.') ? ascii.slice(4) : ascii;
}

const percentEscape = /%([0-9A-Fa-f]{2})/g;

/** ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3), by character code. */
function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f ||
    c === 0x7e
  );
}

/**
 * RFC 3986 §6.2.2: `%7E` is `~`, and `%2f` is `%2F`. Unreserved characters are decoded and the
 * other escapes upper-cased, so that one resource listed both ways is stored once. Decoded before
 * the URL parser sees the text, so that a decoded `%2E%2E` segment is resolved like `..`.
 */
function normalizePercentEncoding(text: string): string {
  return text.replace(percentEscape, (match, hex: string) => {
    const c = Number.parseInt(hex, 16);
    return isUnreserved(c) ? String.fromCharCode(c) : match.toUpperCase();
  });
}

/**
 * Normalizes a sitemap `<loc>` for WF5: surrounding blanks trimmed, percent-encoding normalized
 * (`/%7Eu10` is `/~u10`), the fragment dropped (`/a#top` and `/a` are one page), credentials dropped, the host lower-cased in ASCII form with
 * any trailing dot removed, and default ports elided (the WHATWG URL parser does the last
 * three). Only http(s) URLs on the domain or one of its subdomains are kept. A domain recorded
 * as `www.example.com` also owns `example.com` and its other subdomains, since sites list both.
 *
 * @param raw the `<loc>` text as the sitemap had it
 * @param domain the normalized host of the domain being imported (`domains.domain`)
 */
export function normalizePageUrl(raw: string, domain: string): PageUrlResult {
  const trimmed = raw.trim();
  if (trimmed.length > maxPageUrlLength) return { ok: false, reason: 'too_long' };
  // Most URLs have no escape at all: one scan, no regular expression, for them.
  const text = trimmed.includes('%') ? normalizePercentEncoding(trimmed) : trimmed;
  // The sitemap reader's URLs are nearly all already in the parser's form (no fragment, no
  // credentials, a lower-case host without port or trailing dot): only the site is left to check.
  if (isCanonicalHttpUrl(text)) {
    const hostStart = text.indexOf('//') + 2;
    return onSite(text.slice(hostStart, text.indexOf('/', hostStart)), domain)
      ? { ok: true, url: text }
      : { ok: false, reason: 'off_site' };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'not_http' };
  if (url.hostname === '') return { ok: false, reason: 'invalid' };
  url.hash = '';
  url.username = '';
  url.password = '';
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);

  if (!onSite(url.hostname, domain)) return { ok: false, reason: 'off_site' };
  const href = url.href;
  return href.length > maxPageUrlLength ? { ok: false, reason: 'too_long' } : { ok: true, url: href };
}

/** Whether a (normalized) host is the domain's site or one of its subdomains. */
function onSite(host: string, domain: string): boolean {
  const site = siteHost(domain);
  return (
    host === site || (host.length > site.length && host.endsWith(site) && host[host.length - site.length - 1] === '.')
  );
}
