/**
 * Where WF4 looks for a sitemap when robots.txt names none, in this fixed order, stopping at
 * the first that answers 2xx with a sitemap document (an HTML soft 404 does not count):
 *
 * 1. `/sitemap.xml` — the protocol's conventional name, and what most generators write;
 * 2. `/sitemap_index.xml` — Yoast SEO and Rank Math (WordPress);
 * 3. `/sitemap-index.xml` — Squarespace, Wix and many static-site generators;
 * 4. `/wp-sitemap.xml` — WordPress core (5.5+) without a plugin;
 * 5. `/sitemap.xml.gz` — compressed variant of 1;
 * 6. `/sitemap.txt` — the protocol's plain-text format.
 *
 * Probing stops at the first hit because the others are almost always aliases of it (WordPress
 * redirects /sitemap.xml to /sitemap_index.xml); a miss is not recorded in `sitemap_files`, it
 * only appears in the reason a domain with zero sitemaps gets.
 */
export const wellKnownSitemapPaths: readonly string[] = Object.freeze([
  '/sitemap.xml',
  '/sitemap_index.xml',
  '/sitemap-index.xml',
  '/wp-sitemap.xml',
  '/sitemap.xml.gz',
  '/sitemap.txt',
]);
