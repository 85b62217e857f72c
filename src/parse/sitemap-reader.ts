import type { SitemapEntry, SitemapSummary } from './sitemap-entry.js';
import { type SitemapParserOptions, SitemapStreamParser } from './sitemap-stream-parser.js';

/**
 * Reads a sitemap document from a stream of byte chunks (an HTTP body, a file stream) and yields
 * its entries in batches, one batch per chunk that completed any entry.
 *
 * Reading is lazy: the source is pulled only as fast as the batches are consumed. A consumer that
 * breaks out of its `for await` loop, or a `maxEntries` cap that is reached, stops reading and
 * closes the source (its iterator's `return` is called), so an HTTP download stops there.
 * With `locateXmlErrors`, an XML document that ends broken or cut off has its first XML error,
 * by line and column, in `summary.error` once the loop ends.
 *
 * ```ts
 * const reader = new SitemapReader(response.body, { maxEntries: 1000 });
 * for await (const batch of reader) await upsertPages(batch);
 * reader.summary.kind; // 'urlset'
 * ```
 */
export class SitemapReader implements AsyncIterable<SitemapEntry[]> {
  private readonly parser: SitemapStreamParser;
  private used = false;

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    options: SitemapParserOptions = {},
  ) {
    this.parser = new SitemapStreamParser(options);
  }

  /** The document's summary: final once iteration has finished or stopped. */
  get summary(): Readonly<SitemapSummary> {
    return this.parser.summary;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<SitemapEntry[], void, undefined> {
    if (this.used) throw new Error('a SitemapReader can be iterated only once');
    this.used = true;
    const parser = this.parser;
    try {
      // for await … break calls the source iterator's return(): a stream is destroyed there.
      for await (const chunk of this.source) {
        parser.write(chunk);
        const batch = parser.takeEntries();
        if (batch.length > 0) yield batch;
        if (parser.done) break;
      }
    } finally {
      parser.end();
    }
    await parser.locateXmlError();
    const rest = parser.takeEntries();
    if (rest.length > 0) yield rest;
  }

  /** Reads to the end (or the cap) and counts entries without keeping them. */
  async count(): Promise<Readonly<SitemapSummary>> {
    for await (const _batch of this) {
      // Entries are only counted: the summary keeps the totals.
    }
    return this.summary;
  }
}

/** A whole document's entries and summary. */
export interface ParsedSitemap extends SitemapSummary {
  items: SitemapEntry[];
}

/**
 * Parses a complete sitemap document held in memory (a string or its bytes). For tests and small
 * documents; use `SitemapReader` for anything fetched.
 */
export function parseSitemap(document: string | Uint8Array, options: SitemapParserOptions = {}): ParsedSitemap {
  const parser = new SitemapStreamParser(options);
  parser.write(typeof document === 'string' ? Buffer.from(document, 'utf8') : document);
  const items = parser.takeEntries();
  const summary = parser.end();
  items.push(...parser.takeEntries());
  return { ...summary, items };
}
