import type { SitemapDocumentKind } from './sitemap-entry.js';
import { maxUrlLength, parsePageUrl } from './sitemap-fields.js';
import type { XmlSitemapSink } from './xml-sitemap-reader.js';

/**
 * Reads a plain-text sitemap: one absolute URL per line (the protocol's `.txt` format). Lines
 * that are not absolute http(s) URLs are skipped, blank lines ignored. The first non-blank line
 * decides the kind: if it is not a URL the body is some other text (an error page, JSON) and
 * the document is `invalid`.
 */
export class TextSitemapReader {
  kind: SitemapDocumentKind | null = null;
  error: string | null = null;
  stopped = false;

  private carry = '';
  /** Set while skipping the rest of an overlong line: it cannot be a URL, and must not grow memory. */
  private discarding = false;

  constructor(private readonly sink: XmlSitemapSink) {}

  write(text: string): void {
    if (this.stopped) return;
    const lines = text.split(/\r\n|\r|\n/);
    const last = lines.pop() ?? '';
    for (let i = 0; i < lines.length && !this.stopped; i++) {
      const line = i === 0 ? this.carry + (lines[i] ?? '') : (lines[i] ?? '');
      if (i === 0 && this.discarding) {
        this.discarding = false;
        this.sink.skip();
        continue;
      }
      this.line(line);
    }
    this.carry = lines.length === 0 ? this.carry + last : last;
    if (this.carry.length > maxUrlLength * 2) {
      this.carry = '';
      this.discarding = true;
    }
  }

  end(): void {
    if (!this.stopped) {
      if (this.discarding) this.sink.skip();
      else this.line(this.carry);
    }
    this.carry = '';
    this.stopped = true;
    if (this.kind === null) {
      this.kind = 'invalid';
      this.error = 'empty document';
    }
  }

  private line(line: string): void {
    const text = line.trim();
    if (text.length === 0) return;
    const url = parsePageUrl(text);
    if (this.kind === null) {
      if (url === null) {
        this.kind = 'invalid';
        // Quoted as JSON: the start of a binary body is control characters, NUL included.
        this.error = `not a sitemap: starts with ${JSON.stringify(text.slice(0, 40))}, neither XML nor a URL`;
        this.stopped = true;
        return;
      }
      this.kind = 'text';
    }
    if (url === null) this.sink.skip();
    else this.sink.entry({ url, lastmod: null, changefreq: null, priority: null });
  }
}
