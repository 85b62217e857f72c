import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { locateXmlError, xmlErrorWindowBytes } from './locate-xml-error.js';
import type { SitemapEntry, SitemapSummary } from './sitemap-entry.js';
import { TextSitemapReader } from './text-sitemap-reader.js';
import { XmlSitemapReader } from './xml-sitemap-reader.js';

/** Options for parsing one sitemap document. */
export interface SitemapParserOptions {
  /**
   * Stop after this many entries: the parser reports itself `done` and ignores further input,
   * so that a reader can stop downloading. Default: no limit.
   */
  maxEntries?: number;
  /**
   * Keep the document's first `xmlErrorWindowBytes`, so that `locateXmlError()` can say where an
   * XML document that failed breaks XML's rules. Default false: nothing is kept.
   */
  locateXmlErrors?: boolean;
}

/** How many leading bytes are enough to find a BOM and an XML declaration's encoding. */
const sniffBytes = 1024;

const encodingDeclaration = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/;

/**
 * A push parser for one sitemap document of any kind: feed it bytes as they arrive with
 * `write`, take the entries parsed so far with `takeEntries`, and call `end` at the end of input.
 *
 * It holds at most one chunk of text and one entry besides the entries not yet taken, so its
 * memory does not depend on the document's size.
 *
 * The first bytes decide how the document is read: a UTF-8/UTF-16 BOM or an XML declaration's
 * `encoding` picks the text decoding (UTF-8 by default), a `<` means XML, anything else a
 * plain-text sitemap. gzip data must be decompressed before it gets here (the fetch layer does).
 */
export class SitemapStreamParser {
  private readonly summaryState: SitemapSummary = {
    kind: null,
    entries: 0,
    skipped: 0,
    bytes: 0,
    complete: false,
    error: null,
  };
  private pending: SitemapEntry[] = [];
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private decoder: TextDecoder | null = null;
  /**
   * UTF-8 input whose decoder holds no partial character: a chunk of pure ASCII can then be read
   * as Latin-1, the same characters, without the decoder. 50,000-URL file (13.4 MB in 64 KiB
   * chunks): 7.6 ms through TextDecoder, 1.5 ms through `isAscii` and a Latin-1 copy.
   */
  private asciiShortcut = false;
  private reader: XmlSitemapReader | TextSitemapReader | null = null;
  private ended = false;
  private readonly maxEntries: number;
  /** The first chunks as given (not copies), up to `xmlErrorWindowBytes`; null unless `locateXmlErrors`. */
  private kept: Uint8Array[] | null;
  private keptBytes = 0;
  private readonly sink = {
    entry: (entry: SitemapEntry) => {
      if (this.summaryState.entries >= this.maxEntries) return;
      this.summaryState.entries++;
      this.pending.push(entry);
    },
    skip: () => {
      this.summaryState.skipped++;
    },
  };

  constructor(options: SitemapParserOptions = {}) {
    this.maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
    this.kept = options.locateXmlErrors ? [] : null;
  }

  /** True once further input cannot change the result: the kind is invalid, the root closed, or the cap is reached. */
  get done(): boolean {
    return this.ended || this.summaryState.entries >= this.maxEntries || (this.reader?.stopped ?? false);
  }

  /** The document's summary so far (final after `end`). */
  get summary(): Readonly<SitemapSummary> {
    const reader = this.reader;
    if (reader !== null) {
      this.summaryState.kind = reader.kind;
      this.summaryState.error = reader.error;
      this.summaryState.complete = reader instanceof XmlSitemapReader ? reader.complete : this.ended;
    }
    return this.summaryState;
  }

  /** Parses the next chunk of the document. */
  write(chunk: Uint8Array): void {
    this.summaryState.bytes += chunk.byteLength;
    if (this.done) return;
    if (this.kept !== null && this.keptBytes < xmlErrorWindowBytes) {
      this.kept.push(chunk);
      this.keptBytes += chunk.byteLength;
    }
    if (this.reader === null) {
      this.head.push(chunk);
      this.headBytes += chunk.byteLength;
      if (this.headBytes < sniffBytes) return;
      this.start();
      return;
    }
    this.feed(chunk);
  }

  /** Signals the end of input and returns the final summary. */
  end(): Readonly<SitemapSummary> {
    if (!this.ended) {
      if (this.reader === null) this.start();
      if (this.decoder !== null && this.reader !== null && !this.reader.stopped) {
        const rest = this.decoder.decode();
        if (rest.length > 0) this.reader.write(rest);
      }
      this.reader?.end();
      this.ended = true;
    }
    const summary = this.summary;
    if (summary.entries >= this.maxEntries && !summary.complete && summary.kind !== 'invalid') {
      // Stopping at the cap is the caller's choice, not a fault of the document.
      this.summaryState.error = null;
    }
    return summary;
  }

  /**
   * After `end`, for an XML document that ended with no root element or before its root element
   * closed: adds to the summary's error where the document first breaks XML's rules (line and
   * column, from fast-xml-parser's validator), looking only at the bytes kept. Does nothing
   * without `locateXmlErrors`, for any other document, or when the `maxEntries` cap stopped it.
   */
  async locateXmlError(): Promise<void> {
    const reader = this.reader;
    const kept = this.kept;
    this.kept = null;
    if (kept === null || !(reader instanceof XmlSitemapReader) || !reader.unfinished) return;
    if (this.summaryState.entries >= this.maxEntries) return;
    const bytes = Buffer.concat(kept);
    // The decoder the document was read with; a fresh one drops a BOM, as the reader did.
    const text = new TextDecoder(this.decoder?.encoding ?? 'utf-8').decode(bytes);
    const where = await locateXmlError(text, this.summaryState.bytes > bytes.byteLength);
    if (where !== null) reader.error = `${reader.error}; first XML error at ${where}`;
  }

  /** Returns the entries parsed since the last call, and forgets them. */
  takeEntries(): SitemapEntry[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }

  private start(): void {
    const head = Buffer.concat(this.head);
    this.head = [];
    let offset = 0;
    let encoding = 'utf-8';
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) offset = 3;
    else if (head[0] === 0xff && head[1] === 0xfe) [encoding, offset] = ['utf-16le', 2];
    else if (head[0] === 0xfe && head[1] === 0xff) [encoding, offset] = ['utf-16be', 2];
    if (head[0] === 0x1f && head[1] === 0x8b) {
      this.reader = new TextSitemapReader(this.sink);
      this.reader.kind = 'invalid';
      this.reader.error = 'gzip-compressed data that was not decompressed';
      this.reader.stopped = true;
      return;
    }
    const body = head.subarray(offset);
    let first = 0;
    while (
      first < body.length &&
      (body[first] === 0x20 || body[first] === 0x09 || body[first] === 0x0a || body[first] === 0x0d)
    )
      first++;
    const isXml = encoding !== 'utf-8' || body[first] === 0x3c; /* < */
    if (isXml && encoding === 'utf-8') {
      const declared = encodingDeclaration.exec(body.subarray(0, sniffBytes).toString('latin1'))?.[1];
      if (declared !== undefined) encoding = supportedEncoding(declared) ?? 'utf-8';
    }
    // The BOM was skipped above; the decoder must not drop a U+FEFF further on as one (it would,
    // once, on the first chunk it sees, which is not the first chunk when ASCII skips it).
    this.decoder = new TextDecoder(encoding, { ignoreBOM: true });
    this.asciiShortcut = encoding === 'utf-8';
    this.reader = isXml ? new XmlSitemapReader(this.sink) : new TextSitemapReader(this.sink);
    this.feed(body);
  }

  private feed(bytes: Uint8Array): void {
    let text: string;
    if (this.asciiShortcut && isAscii(bytes)) {
      text = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString(
        'latin1',
      );
    } else {
      text = this.decoder?.decode(bytes, { stream: true }) ?? '';
      // A chunk that ends in an ASCII byte leaves no partial character behind in the decoder.
      if (bytes.byteLength > 0) this.asciiShortcut = this.decoder?.encoding === 'utf-8' && (bytes.at(-1) ?? 0) < 0x80;
    }
    if (text.length > 0) this.reader?.write(text);
  }
}

/** The WHATWG name for a declared encoding label, or undefined when TextDecoder does not know it. */
function supportedEncoding(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}
