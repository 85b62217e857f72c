import { robotsText } from './robots-text.js';

// `Sitemap` in any case, or `Site-map` (a misspelling Google's robots.txt parser accepts, so
// sites that use it see their sitemaps found), optional spaces before the colon (RFC 9309 §2.2
// allows them), the value up to an inline `#` comment.
const sitemapLine = /^[ \t]*site-?map[ \t]*:[ \t]*([^#]*)/i;

/**
 * Extracts the sitemap URLs a robots.txt names in `Sitemap:` lines.
 *
 * - The directive (`Sitemap`, or the misspelling `Site-map`) is matched in any case, on any line,
 *   inside or outside any user-agent group.
 * - Lines may end in CRLF, LF or CR; a UTF-8 BOM is ignored; surrounding spaces are trimmed and
 *   an inline `# comment` is cut off.
 * - Relative values are resolved against the robots.txt URL (its final URL after redirects);
 *   other hosts are allowed, as the protocol's cross-submission permits. Only http(s) URLs are
 *   kept; a value that is not a URL is dropped.
 * - Duplicates are removed, first seen first.
 * - Only the first 500 KiB of the file is read (`robotsMaxBytes`).
 */
export function extractRobotsSitemaps(body: string | Uint8Array, robotsUrl: string): string[] {
  const seen = new Set<string>();
  for (const line of robotsText(body).split(/\r\n|\r|\n/)) {
    const value = sitemapLine.exec(line)?.[1]?.trim();
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value, robotsUrl);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    url.hash = '';
    seen.add(url.href);
  }
  return [...seen];
}
