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
 * Returns the absolute http(s) URL a `<loc>` (or a feed link) names, normalised by the WHATWG URL
 * parser, or null when it is empty, relative, of another scheme, malformed or too long. Relative
 * values are not resolved: the protocol requires absolute URLs, and guessing a base turns typos
 * into pages.
 */
export function parsePageUrl(input: string): string | null {
  const text = input.trim();
  if (text.length === 0 || text.length > maxUrlLength) return null;
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
