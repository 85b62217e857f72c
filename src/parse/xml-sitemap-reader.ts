import { type Handler, Parser } from 'htmlparser2';
import { parseFeedDate } from './feed-date.js';
import type { SitemapDocumentKind, SitemapEntry } from './sitemap-entry.js';
import { maxUrlLength, parseChangefreq, parsePageUrl, parsePriority } from './sitemap-fields.js';
import { parseW3cDatetime } from './w3c-datetime.js';

/**
 * Namespaces whose elements are read as sitemap elements wherever they appear, besides the root
 * element's own namespace and no namespace: the sitemap protocol's current and legacy ones, and
 * RSS 1.0 (whose root element is in the RDF namespace).
 */
const coreNamespaces = new Set([
  'http://www.sitemaps.org/schemas/sitemap/0.9',
  'http://www.google.com/schemas/sitemap/0.84',
  'http://www.google.com/schemas/sitemap/0.9',
  'http://purl.org/rss/1.0/',
]);

/** Where entries and their fields sit, per document kind (depth 1 is the root element). */
interface Layout {
  entry: string;
  entryDepth: number;
  /** An element that must wrap entries (RSS `<channel>`), at depth 2. */
  wrapper?: string;
  fields: ReadonlySet<string>;
}

const layouts: Record<string, { kind: SitemapDocumentKind; layout: Layout }> = {
  urlset: {
    kind: 'urlset',
    layout: { entry: 'url', entryDepth: 2, fields: new Set(['loc', 'lastmod', 'changefreq', 'priority']) },
  },
  sitemapindex: { kind: 'index', layout: { entry: 'sitemap', entryDepth: 2, fields: new Set(['loc', 'lastmod']) } },
  rss: {
    kind: 'rss',
    layout: {
      entry: 'item',
      entryDepth: 3,
      wrapper: 'channel',
      fields: new Set(['link', 'guid', 'pubDate', 'dc:date']),
    },
  },
  // RSS 1.0: items are children of the root.
  RDF: { kind: 'rss', layout: { entry: 'item', entryDepth: 2, fields: new Set(['link', 'dc:date']) } },
  feed: { kind: 'atom', layout: { entry: 'entry', entryDepth: 2, fields: new Set(['updated', 'published']) } },
};

/** Root elements of a web page: a server answered a sitemap URL with HTML (a soft 404). */
const htmlRoots = new Set(['html', 'head', 'body']);

/** The raw values of one entry, validated when the entry closes. */
interface RawEntry {
  loc: string | null;
  guid: string | null;
  lastmod: string | null;
  changefreq: string | null;
  priority: string | null;
}

/** What the reader reports to its owner. */
export interface XmlSitemapSink {
  entry(entry: SitemapEntry): void;
  skip(): void;
}

/**
 * Reads urlset, sitemapindex, RSS and Atom documents as a stream of SAX events from htmlparser2
 * in XML mode. It keeps only the entry being read, so memory does not grow with the document.
 *
 * Entries are recognised by their position (root → entry → field) and their namespace: only
 * elements in the root's namespace, a sitemap namespace or no namespace count. Everything inside
 * another namespace's element — hreflang `xhtml:link`, `image:image`, `video:video`,
 * `news:news`, an RSS item's `content:encoded` — is skipped whole, so none of their URLs can
 * become a page.
 *
 * The DOCTYPE is never processed: htmlparser2 has no DTD support, so declared entities (billion
 * laughs, XXE) are not expanded and stay literal text. Only XML's predefined entities and numeric
 * character references are decoded.
 */
export class XmlSitemapReader implements Partial<Handler> {
  kind: SitemapDocumentKind | null = null;
  error: string | null = null;
  /** The root element closed: everything after it is ignored. */
  complete = false;
  /** Nothing more is wanted from the input (the document is invalid, or it has ended). */
  stopped = false;

  private readonly parser: Parser;
  private layout: Layout | null = null;
  private rootNs = '';
  private readonly ns = new Map<string, string>();
  /** Namespace declarations to undo when the element at `depth` closes. */
  private nsFrames: { depth: number; prefix: string; previous: string | undefined }[] = [];
  private depth = 0;
  private skipDepth = 0;
  private entryDepth = 0;
  private fieldDepth = 0;
  private field = '';
  private text = '';
  private raw: RawEntry = { loc: null, guid: null, lastmod: null, changefreq: null, priority: null };
  private sawHtmlDoctype = false;
  private ending = false;

  constructor(private readonly sink: XmlSitemapSink) {
    this.parser = new Parser(this, { xmlMode: true, decodeEntities: true });
  }

  write(text: string): void {
    if (!this.stopped) this.parser.write(text);
  }

  end(): void {
    this.ending = true;
    if (!this.stopped) this.parser.end();
    this.stopped = true;
    if (this.kind === null) {
      this.kind = 'invalid';
      this.error = 'no root element: the document is empty or is not XML';
    } else if (this.kind !== 'invalid' && !this.complete) {
      this.error =
        'truncated: the document ended before its root element closed; complete entries before the cut are kept';
    }
  }

  onprocessinginstruction(name: string, data: string): void {
    if (name.toLowerCase() === '!doctype' && /^!doctype\s+html\b/i.test(data)) this.sawHtmlDoctype = true;
  }

  onopentag(name: string, attribs: Record<string, string>): void {
    const depth = ++this.depth;
    if (this.skipDepth !== 0 || this.complete) return;
    if (attribs !== undefined) this.declareNamespaces(attribs, depth);
    const colon = name.indexOf(':');
    const local = colon < 0 ? name : name.slice(colon + 1);
    if (depth === 1) {
      this.openRoot(name, local, colon);
      return;
    }
    const uri = this.namespaceOf(name, colon);
    if (uri !== this.rootNs && uri !== '' && !coreNamespaces.has(uri)) {
      // A feed's dc:date is the one foreign element read as a field.
      if (!(this.layout?.fields.has(name) && depth === this.entryDepth + 1)) {
        this.skipDepth = depth;
        return;
      }
    }
    const layout = this.layout;
    if (layout === null) return;
    if (this.entryDepth === 0) {
      if (depth === layout.entryDepth && local === layout.entry) {
        this.entryDepth = depth;
        this.raw = { loc: null, guid: null, lastmod: null, changefreq: null, priority: null };
      } else if (!(depth === 2 && local === layout.wrapper)) {
        // Not an entry and not the RSS channel: nothing inside can be an entry.
        this.skipDepth = depth;
      }
      return;
    }
    if (depth !== this.entryDepth + 1) return;
    if (this.kind === 'atom' && local === 'link') {
      this.atomLink(attribs);
      return;
    }
    const field = layout.fields.has(local) ? local : layout.fields.has(name) ? name : '';
    if (field === '') return;
    if (field === 'guid' && attribs?.isPermaLink?.trim().toLowerCase() === 'false') return;
    this.fieldDepth = depth;
    this.field = field;
    this.text = '';
  }

  ontext(data: string): void {
    // Bounded: a field longer than any valid URL is cut here and rejected when the entry closes.
    if (this.fieldDepth !== 0 && this.text.length <= maxUrlLength) this.text += data;
  }

  onclosetag(_name: string, isImplied: boolean): void {
    const depth = this.depth--;
    while (this.nsFrames.length > 0 && this.nsFrames[this.nsFrames.length - 1]?.depth === depth) {
      const frame = this.nsFrames.pop();
      if (frame === undefined) break;
      if (frame.previous === undefined) this.ns.delete(frame.prefix);
      else this.ns.set(frame.prefix, frame.previous);
    }
    // An implied close at the end of input is a truncated document: its open entry is incomplete.
    if (isImplied && this.ending) return;
    if (depth === this.skipDepth) {
      this.skipDepth = 0;
      return;
    }
    if (this.skipDepth !== 0) return;
    if (depth === this.fieldDepth) {
      this.setField(this.field, this.text);
      this.fieldDepth = 0;
    } else if (depth === this.entryDepth) {
      this.entryDepth = 0;
      this.emit();
    } else if (depth === 1 && this.kind !== 'invalid') {
      this.complete = true;
      this.stopped = true;
    }
  }

  private openRoot(name: string, local: string, colon: number): void {
    this.rootNs = this.namespaceOf(name, colon);
    const known = layouts[local];
    if (known !== undefined && !this.sawHtmlDoctype) {
      this.kind = known.kind;
      this.layout = known.layout;
      return;
    }
    this.kind = 'invalid';
    this.error =
      this.sawHtmlDoctype || htmlRoots.has(local.toLowerCase())
        ? 'an HTML page where a sitemap was expected (soft 404?)'
        : `not a sitemap: unexpected root element <${name.slice(0, 64)}>`;
    this.stopped = true;
  }

  private declareNamespaces(attribs: Record<string, string>, depth: number): void {
    for (const key in attribs) {
      if (key.charCodeAt(0) !== 0x78 /* x */ || !key.startsWith('xmlns')) continue;
      let prefix: string;
      if (key.length === 5) prefix = '';
      else if (key.charCodeAt(5) === 0x3a /* : */) prefix = key.slice(6);
      else continue;
      this.nsFrames.push({ depth, prefix, previous: this.ns.get(prefix) });
      this.ns.set(prefix, (attribs[key] ?? '').trim());
    }
  }

  private namespaceOf(name: string, colon: number): string {
    if (colon < 0) return this.ns.get('') ?? '';
    const prefix = name.slice(0, colon);
    // An undeclared prefix is its own namespace: `image:loc` without xmlns:image is still foreign.
    return this.ns.get(prefix) ?? `urn:pipectl:undeclared:${prefix}`;
  }

  private atomLink(attribs: Record<string, string>): void {
    const rel = (attribs.rel ?? 'alternate').trim().toLowerCase();
    if (rel === 'alternate' && this.raw.loc === null && attribs.href !== undefined) this.raw.loc = attribs.href;
  }

  private setField(field: string, value: string): void {
    const raw = this.raw;
    switch (field) {
      case 'loc':
      case 'link':
        if (raw.loc === null) raw.loc = value;
        break;
      case 'guid':
        // An RSS guid is a permalink unless it says otherwise; <link> wins when both are there.
        if (raw.guid === null) raw.guid = value;
        break;
      case 'lastmod':
      case 'pubDate':
      case 'updated':
      case 'published':
      case 'dc:date':
        // Atom: <updated> wins over <published> whichever comes first.
        if (raw.lastmod === null || field === 'updated') raw.lastmod = value;
        break;
      case 'changefreq':
        raw.changefreq = value;
        break;
      case 'priority':
        raw.priority = value;
        break;
    }
  }

  private emit(): void {
    const raw = this.raw;
    const loc = raw.loc ?? raw.guid;
    const url = loc === null ? null : parsePageUrl(loc);
    if (url === null) {
      this.sink.skip();
      return;
    }
    const isFeed = this.kind === 'rss' || this.kind === 'atom';
    this.sink.entry({
      url,
      lastmod: raw.lastmod === null ? null : isFeed ? parseFeedDate(raw.lastmod) : parseW3cDatetime(raw.lastmod),
      changefreq: raw.changefreq === null ? null : parseChangefreq(raw.changefreq),
      priority: raw.priority === null ? null : parsePriority(raw.priority),
    });
  }
}
