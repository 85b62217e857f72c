/** The `<changefreq>` values the sitemap protocol defines (and the `pages.changefreq` check allows). */
export type Changefreq = 'always' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly' | 'never';

// Values are returned from this table, never the input: a substring of the document would keep
// the whole chunk it came from alive for as long as the entry lives.
const changefreqs = new Map<string, Changefreq>(
  (['always', 'hourly', 'daily', 'weekly', 'monthly', 'yearly', 'never'] as const).map((c) => [c, c]),
);

/** Validates a `<changefreq>` (case-insensitive, trimmed); anything else is null. */
export function parseChangefreq(input: string): Changefreq | null {
  return changefreqs.get(input) ?? changefreqs.get(input.trim().toLowerCase()) ?? null;
}

// A decimal between 0.0 and 1.0 as the protocol writes it; no exponents, signs or percentages.
const priorityPattern = /^(?:0?\.\d+|0|1|[01]\.\d*)$/;

/** Validates a `<priority>`: a decimal in [0, 1]; anything else (`high`, `1.5`, `-0.1`) is null. */
export function parsePriority(input: string): number | null {
  const text = input.trim();
  if (!priorityPattern.test(text)) return null;
  const value = Number(text);
  return value >= 0 && value <= 1 ? value : null;
}

/** The protocol's limit on a `<loc>`: longer values are skipped, like malformed ones. */
export const maxUrlLength = 2048;

const absoluteHttp = /^https?:\/\//i;

/**
 * URLs that the WHATWG parser returns exactly as written: a lower-case http(s) scheme; a host of
 * lower-case ASCII letters, digits and hyphens in dot-separated labels, the last one starting with
 * a letter (so never read as an IPv4 address); no port, no user info; a path, then an optional
 * query, of characters that are never percent-encoded; no fragment. `isCanonicalHttpUrl` adds
 * what a regular expression without look-arounds cannot say cheaply: no punycode `xn--` label
 * (the parser validates those) and no `.` segment (`/.`, `%2e`) to resolve, both looked for
 * anywhere in the URL, which only sends a few more URLs to the parser.
 */
const canonicalHttpUrl =
  /^https?:\/\/(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(?:\?[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*)?$/;

/**
 * Whether `new URL(text).href` is `text` itself, for nearly every `<loc>`: for those, this test
 * replaces the URL parser. parsePageUrl on the benchmark's 50,000 `<loc>`s, sliced from one
 * document as the reader slices them, from a cold start: 48 ms with `new URL` for each, 28 ms
 * with this (best of 7). test/parse/sitemap-fields.test.ts checks the two agree on generated URLs.
 */
export function isCanonicalHttpUrl(text: string): boolean {
  return (
    canonicalHttpUrl.test(text) &&
    !text.includes('/.') &&
    !text.includes('xn--') &&
    !text.includes('%2e') &&
    !text.includes('%2E')
  );
}

/**
 * Returns the absolute http(s) URL a `<loc>` (or a feed link) names, normalized by the WHATWG URL
 * parser, or null when it is empty, relative, of another scheme, malformed or too long. Relative
 * values are not resolved: the protocol requires absolute URLs, and guessing a base turns typos
 * into pages.
 */
export function parsePageUrl(input: string): string | null {
  const text = input.trim();
  if (text.length === 0 || text.length > maxUrlLength) return null;
  // A copy, not the input: a substring of the document would keep its whole chunk alive for as
  // long as the entry lives (concatenating and slicing makes V8 copy the characters).
  if (isCanonicalHttpUrl(text)) return ` ${text}`.slice(1);
  // A cheap scheme test first: most rejects are relative paths, and URL construction is the cost.
  // It also refuses `http:example.com`, which the WHATWG parser would read as absolute.
  if (!absoluteHttp.test(text)) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.hostname === '') return null;
  // The setter re-serialises the URL: only pay for it when there is a fragment to drop.
  if (url.hash !== '') url.hash = '';
  return url.href;
}
