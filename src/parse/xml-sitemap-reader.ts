import { parseFeedDate } from './feed-date.js';
import type { SitemapDocumentKind, SitemapEntry } from './sitemap-entry.js';
import { maxUrlLength, parseChangefreq, parsePageUrl, parsePriority } from './sitemap-fields.js';
import { parseW3cDatetime } from './w3c-datetime.js';
import { decodeXmlEntities } from './xml-entities.js';
import { copyString, type XmlScanHandler, XmlScanner } from './xml-scanner.js';

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
  // Atom 1.0 dates entries with <updated>/<published>; Atom 0.3 with <modified>/<issued>.
  feed: {
    kind: 'atom',
    layout: { entry: 'entry', entryDepth: 2, fields: new Set(['updated', 'published', 'modified', 'issued']) },
  },
};

/** Root elements of a web page: a server answered a sitemap URL with HTML (a soft 404). */
const htmlRoots = new Set(['html', 'head', 'body']);

/** Attributes read at all; every other attribute's value is skipped without being sliced. */
const wantedAttributes = new Set(['href', 'rel', 'isPermaLink']);

/** Deeper than any sitemap or feed: past it the input is garbage meant to grow the element stack. */
const maxDepth = 1000;

/** A tag name, split once: a sitemap repeats the same few names hundreds of thousands of times. */
interface TagName {
  name: string;
  /** Index of the prefix's colon, or -1. */
  colon: number;
  /** The name without its prefix. */
  local: string;
  /** The prefix, or '' for none. */
  prefix: string;
  /** The namespace declarations in force when `uri` and `foreign` were worked out (`nsVersion`). */
  version: number;
  /** The namespace, as declared for the prefix; undefined when the prefix is undeclared. */
  uri: string | undefined;
  /** In a namespace whose elements are skipped (not the root's, a sitemap namespace or none). */
  foreign: boolean;
}

function tagName(name: string): TagName {
  const colon = name.indexOf(':');
  return {
    name,
    colon,
    local: colon < 0 ? name : name.slice(colon + 1),
    prefix: colon < 0 ? '' : name.slice(0, colon),
    version: -1,
    uri: undefined,
    foreign: false,
  };
}

/** The name of an element too long to read: matches no layout and no close tag. */
const unknownName = tagName('');

/** What the reader reports to its owner. */
export interface XmlSitemapSink {
  entry(entry: SitemapEntry): void;
  skip(): void;
}

/**
 * Reads urlset, sitemapindex, RSS and Atom documents as a stream of tokens from `XmlScanner`. It
 * keeps only the entry being read and the unfinished token at the end of the last chunk, so
 * memory does not grow with the document.
 *
 * Entries are recognised by their position (root → entry → field) and their namespace: only
 * elements in the root's namespace, a sitemap namespace or no namespace count. Everything inside
 * another namespace's element — hreflang `xhtml:link`, `image:image`, `video:video`,
 * `news:news`, an RSS item's `content:encoded` — is skipped whole, so none of their URLs can
 * become a page.
 *
 * The DOCTYPE is never processed (the scanner has no DTD support), so declared entities (billion
 * laughs, XXE) are not expanded and stay literal text. Only XML's predefined entities and numeric
 * character references are decoded (`decodeXmlEntities`), in the fields that are kept.
 */
export class XmlSitemapReader implements XmlScanHandler {
  kind: SitemapDocumentKind | null = null;
  error: string | null = null;
  /** The root element closed: everything after it is ignored. */
  complete = false;
  /** Nothing more is wanted from the input (the document is invalid, or it has ended). */
  stopped = false;
  /** The input ended with no root element, or before the root element closed: broken or cut-off XML. */
  unfinished = false;

  private readonly scanner: XmlScanner;

  /** The open elements, root first. */
  private readonly stack: TagName[] = [];
  private layout: Layout | null = null;
  private rootNs = '';
  private readonly ns = new Map<string, string>();
  /**
   * Bumped whenever a declaration comes into or goes out of scope (or the root's namespace is
   * set): each tag name caches its namespace for one version, so that a document that declares
   * everything on its root resolves each name once, not once per element.
   */
  private nsVersion = 0;
  /** Namespace declarations to undo when the element at `depth` closes. */
  private readonly nsFrames: { depth: number; prefix: string; previous: string | undefined }[] = [];
  private skipDepth = 0;
  private entryDepth = 0;
  private fieldDepth = 0;
  private field = '';
  /** The field's text: `decoded` up to its last CDATA section, then `rawText` still to decode. */
  private decoded = '';
  private rawText = '';
  /** The raw values of the entry being read, validated when it closes. */
  private loc: string | null = null;
  private guid: string | null = null;
  private lastmod: string | null = null;
  private changefreq: string | null = null;
  private priority: string | null = null;
  private sawHtmlDoctype = false;

  /** The start tag being read: its name, and the attributes kept from it. */
  private tag: TagName = unknownName;
  private declarations: [prefix: string, uri: string][] | null = null;
  /** Names already seen, per depth: a tag name equal to one of them is reused, not sliced again. */
  private readonly names: TagName[][] = [];
  private href: string | null = null;
  private rel: string | null = null;
  private permaLink: string | null = null;

  constructor(private readonly sink: XmlSitemapSink) {
    this.scanner = new XmlScanner(this);
    // Text matters only inside a field (the reader turns it on there).
    this.scanner.textWanted = false;
  }

  write(text: string): void {
    if (this.stopped) return;
    this.scanner.write(text);
  }

  end(): void {
    if (!this.stopped) this.scanner.end();
    this.stopped = true;
    if (this.kind === null) {
      this.kind = 'invalid';
      this.error = 'no root element: the document is empty or is not XML';
      this.unfinished = true;
    } else if (this.kind !== 'invalid' && !this.complete) {
      // Elements still open here were cut off: their entries are incomplete and are not emitted.
      this.error =
        'truncated: the document ended before its root element closed; complete entries before the cut are kept';
      this.unfinished = true;
    }
  }

  // Scanner callbacks -------------------------------------------------------------------------

  onopentag(text: string, start: number, end: number): boolean {
    const tag = this.name(text, start, end, this.stack.length + 1);
    this.tag = tag;
    this.declarations = null;
    this.href = null;
    this.rel = null;
    this.permaLink = null;
    // Attributes matter only where elements are still read, and not on an element already known
    // to be foreign (an hreflang xhtml:link), which will be skipped whole.
    return this.skipDepth === 0 && !this.complete && !this.isKnownForeign(tag);
  }

  onattribute(text: string, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    const name = text.slice(nameStart, nameEnd);
    const isXmlns = name === 'xmlns' || name.startsWith('xmlns:');
    if (!isXmlns && !wantedAttributes.has(name)) return;
    const value = valueStart < 0 ? '' : decodeXmlEntities(text.slice(valueStart, valueEnd));
    if (isXmlns) {
      this.declarations ??= [];
      // Copied: a namespace outlives the chunk it was read from.
      this.declarations.push([copyString(name.slice(6)), copyString(value.trim())]);
    } else if (name === 'href') this.href = value;
    else if (name === 'rel') this.rel = value;
    else if (name === 'isPermaLink') this.permaLink = value;
  }

  onopentagend(selfClosing: boolean): void {
    this.openElement();
    if (selfClosing && !this.stopped) this.closeTop(false);
  }

  onclosetag(text: string, start: number, end: number): void {
    // The common case, compared in place: the tag closes the innermost element.
    const stack = this.stack;
    const top = stack[stack.length - 1];
    if (top !== undefined && end - start === top.name.length && text.startsWith(top.name, start)) {
      this.closeTop(false);
      return;
    }
    // Like htmlparser2's Parser: a close tag closes its nearest open namesake and everything
    // opened inside it; a close tag with no open namesake is ignored.
    const name = text.slice(start, end);
    let at = stack.length - 1;
    while (at >= 0 && stack[at]?.name !== name) at--;
    if (at < 0) return;
    while (stack.length > at + 1) this.closeTop(true);
    this.closeTop(false);
  }

  ontext(text: string, start: number, end: number): void {
    // Bounded: a field longer than any valid URL is cut here and rejected when the entry closes.
    // An entity may be split across two calls (at a chunk boundary): it is decoded at the end.
    if (this.fieldDepth !== 0 && this.decoded.length + this.rawText.length <= maxUrlLength * 2) {
      this.rawText += text.slice(start, end);
    }
  }

  oncdata(text: string, start: number, end: number): void {
    if (this.fieldDepth !== 0 && this.decoded.length + this.rawText.length <= maxUrlLength * 2) {
      // CDATA is literal: decode the text before it, and append the section as it is.
      this.decoded += decodeXmlEntities(this.rawText) + text.slice(start, end);
      this.rawText = '';
    }
  }

  ondeclaration(text: string, start: number, end: number): void {
    if (this.stack.length > 0) return;
    if (/^doctype\s+html\b/i.test(text.slice(start, Math.min(end, start + 16)))) this.sawHtmlDoctype = true;
  }

  // Elements ----------------------------------------------------------------------------------

  private openElement(): void {
    const tag = this.tag;
    this.stack.push(tag);
    const depth = this.stack.length;
    if (depth > maxDepth) {
      this.error = `elements nested more than ${maxDepth} deep: not a sitemap`;
      if (this.kind !== null) this.kind = 'invalid';
      this.stop();
      return;
    }
    if (this.skipDepth !== 0 || this.complete) return;
    if (this.declarations !== null) {
      for (const [prefix, uri] of this.declarations) {
        this.nsFrames.push({ depth, prefix, previous: this.ns.get(prefix) });
        this.ns.set(prefix, uri);
      }
      this.nsVersion++;
    }
    const local = tag.local;
    if (depth === 1) {
      this.openRoot(tag);
      return;
    }
    const layout = this.layout;
    if (layout === null) return;
    if (this.resolve(tag).foreign) {
      // A feed's dc:date is the one foreign element read as a field.
      if (!(layout.fields.has(tag.name) && depth === this.entryDepth + 1)) {
        this.skipDepth = depth;
        return;
      }
    }
    if (this.entryDepth === 0) {
      if (depth === layout.entryDepth && local === layout.entry) {
        this.entryDepth = depth;
        this.loc = null;
        this.guid = null;
        this.lastmod = null;
        this.changefreq = null;
        this.priority = null;
      } else if (!(depth === 2 && local === layout.wrapper)) {
        // Not an entry and not the RSS channel: nothing inside can be an entry.
        this.skipDepth = depth;
      }
      return;
    }
    if (depth !== this.entryDepth + 1) return;
    if (this.kind === 'atom' && local === 'link') {
      const rel = (this.rel ?? 'alternate').trim().toLowerCase();
      if (rel === 'alternate' && this.loc === null && this.href !== null) this.loc = this.href;
      return;
    }
    const field = layout.fields.has(local) ? local : layout.fields.has(tag.name) ? tag.name : '';
    if (field === '') return;
    if (field === 'guid' && this.permaLink?.trim().toLowerCase() === 'false') return;
    this.fieldDepth = depth;
    this.field = field;
    this.decoded = '';
    this.rawText = '';
    this.scanner.textWanted = true;
  }

  private closeTop(implied: boolean): void {
    const depth = this.stack.length;
    this.stack.pop();
    const frames = this.nsFrames;
    while (frames.length > 0 && frames[frames.length - 1]?.depth === depth) {
      const frame = frames.pop();
      if (frame === undefined) break;
      if (frame.previous === undefined) this.ns.delete(frame.prefix);
      else this.ns.set(frame.prefix, frame.previous);
      this.nsVersion++;
    }
    if (depth === this.skipDepth) {
      this.skipDepth = 0;
      return;
    }
    if (this.skipDepth !== 0 || this.complete) return;
    if (depth === this.fieldDepth) {
      this.setField(this.field, this.decoded + decodeXmlEntities(this.rawText));
      this.fieldDepth = 0;
      this.decoded = '';
      this.rawText = '';
      this.scanner.textWanted = false;
    } else if (depth === this.entryDepth) {
      this.entryDepth = 0;
      this.fieldDepth = 0;
      this.scanner.textWanted = false;
      this.emit();
    } else if (depth === 1 && this.kind !== 'invalid' && !implied) {
      this.complete = true;
      this.stop();
    }
  }

  private openRoot(tag: TagName): void {
    this.rootNs = this.namespaceOf(tag);
    this.nsVersion++;
    const known = layouts[tag.local];
    if (known !== undefined && !this.sawHtmlDoctype) {
      this.kind = known.kind;
      this.layout = known.layout;
      return;
    }
    this.kind = 'invalid';
    this.error =
      this.sawHtmlDoctype || htmlRoots.has(tag.local.toLowerCase())
        ? 'an HTML page where a sitemap was expected (soft 404?)'
        : `not a sitemap: unexpected root element <${tag.name.slice(0, 64)}>`;
    this.stop();
  }

  /** Nothing more is wanted: stop scanning, even the rest of the current chunk. */
  private stop(): void {
    this.stopped = true;
    this.scanner.stop();
  }

  /** True when the name's prefix is declared, in a namespace whose elements are skipped. */
  private isKnownForeign(tag: TagName): boolean {
    if (tag.colon < 0 || this.layout === null) return false;
    const resolved = this.resolve(tag);
    return resolved.uri !== undefined && resolved.foreign;
  }

  /** The tag name with its namespace worked out for the declarations now in scope. */
  private resolve(tag: TagName): TagName {
    if (tag.version !== this.nsVersion) {
      const uri = this.ns.get(tag.prefix);
      // An undeclared prefix is its own namespace: `image:loc` without xmlns:image is still foreign.
      const effective = uri ?? (tag.colon < 0 ? '' : `urn:pipectl:undeclared:${tag.prefix}`);
      tag.version = this.nsVersion;
      tag.uri = uri;
      tag.foreign = effective !== this.rootNs && effective !== '' && !coreNamespaces.has(effective);
    }
    return tag;
  }

  private namespaceOf(tag: TagName): string {
    if (tag.colon < 0) return this.ns.get('') ?? '';
    // An undeclared prefix is its own namespace: `image:loc` without xmlns:image is still foreign.
    return this.ns.get(tag.prefix) ?? `urn:pipectl:undeclared:${tag.prefix}`;
  }

  private setField(field: string, value: string): void {
    switch (field) {
      case 'loc':
      case 'link':
        if (this.loc === null) this.loc = value;
        break;
      case 'guid':
        // An RSS guid is a permalink unless it says otherwise; <link> wins when both are there.
        if (this.guid === null) this.guid = value;
        break;
      case 'updated':
      case 'modified':
        // Atom: the last change (<updated>, 0.3's <modified>) wins over the first publication
        // (<published>, 0.3's <issued>), whichever comes first.
        this.lastmod = value;
        break;
      case 'lastmod':
      case 'pubDate':
      case 'published':
      case 'issued':
      case 'dc:date':
        if (this.lastmod === null) this.lastmod = value;
        break;
      case 'changefreq':
        this.changefreq = value;
        break;
      case 'priority':
        this.priority = value;
        break;
    }
  }

  private emit(): void {
    const loc = this.loc ?? this.guid;
    const url = loc === null ? null : parsePageUrl(loc);
    if (url === null) {
      this.sink.skip();
      return;
    }
    const lastmod = this.lastmod;
    const isFeed = this.kind === 'rss' || this.kind === 'atom';
    this.sink.entry({
      url,
      lastmod: lastmod === null ? null : isFeed ? parseFeedDate(lastmod) : parseW3cDatetime(lastmod),
      changefreq: this.changefreq === null ? null : parseChangefreq(this.changefreq),
      priority: this.priority === null ? null : parsePriority(this.priority),
    });
  }

  /**
   * A tag name, reusing one seen before at the same depth when the characters match: a sitemap
   * repeats the same few names (url, loc, lastmod…) hundreds of thousands of times.
   */
  private name(text: string, start: number, end: number, depth: number): TagName {
    let seen = this.names[depth];
    if (seen === undefined) {
      seen = [];
      this.names[depth] = seen;
    }
    const length = end - start;
    for (let k = 0; k < seen.length; k++) {
      const candidate = seen[k] as TagName;
      if (candidate.name.length === length && text.startsWith(candidate.name, start)) return candidate;
    }
    if (length === 0) return unknownName;
    // Copied: a remembered name must not keep its chunk alive.
    const tag = tagName(copyString(text.slice(start, end)));
    // A handful per depth is all a sitemap has; garbage input must not grow the list.
    if (seen.length < 16) seen.push(tag);
    return tag;
  }
}
