import type { Changefreq } from './sitemap-fields.js';

/**
 * What a sitemap document turned out to be. The same words as `sitemap_files.kind`:
 * `urlset`, `text`, `rss` and `atom` list pages; `index` lists other sitemaps; `invalid` is
 * anything else (an HTML soft 404, an unknown root element, an empty body).
 */
export type SitemapDocumentKind = 'urlset' | 'index' | 'text' | 'rss' | 'atom' | 'invalid';

/** The kinds whose entries are page URLs, each imported by one WF5 `page_import` job. */
export const pageListKinds: ReadonlySet<SitemapDocumentKind> = new Set(['urlset', 'text', 'rss', 'atom']);

/**
 * One entry of a sitemap document: a page (urlset, text, RSS item, Atom entry) or, in an
 * index, a child sitemap. Fields a document did not give, or gave invalid, are null.
 */
export interface SitemapEntry {
  /** Absolute http(s) URL, normalized by the WHATWG URL parser, without fragment. */
  url: string;
  /** `<lastmod>`, RSS `<pubDate>` or Atom `<updated>`/`<published>`. */
  lastmod: Date | null;
  changefreq: Changefreq | null;
  /** In [0, 1]. */
  priority: number | null;
}

/** What a parser knows about a document so far, and in the end. */
export interface SitemapSummary {
  /** null until the first bytes decide it. */
  kind: SitemapDocumentKind | null;
  /** Entries emitted with a usable URL. */
  entries: number;
  /** Entries dropped because their URL was empty, relative, not http(s), malformed or too long. */
  skipped: number;
  /** Bytes given to the parser. */
  bytes: number;
  /** True when the document ended properly (the root element closed, or the text ended). */
  complete: boolean;
  /** Why the document is invalid, or what went wrong while reading it (truncation); null if nothing. */
  error: string | null;
}
